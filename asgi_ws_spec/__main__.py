"""`python -m asgi_ws_spec MODULE`: the same as the `asgi-ws-spec` command."""

import sys

from asgi_ws_spec import main

sys.exit(main())
