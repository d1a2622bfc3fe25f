"""The seed's error texts, copied character for character from the seed page.

They are typed here from `fastapi-websockets-reference.txt`, not imported from
`reference_impl`, so a drift in the implementation's texts fails the tests.
"""

EXPECT_CONNECT = 'Expected ASGI message "websocket.connect", but got {!r}'
EXPECT_RECEIVE = 'Expected ASGI message "websocket.receive" or "websocket.disconnect", but got {!r}'
RECEIVE_AFTER_DISCONNECT = 'Cannot call "receive" once a disconnect message has been received.'
EXPECT_ACCEPT = 'Expected ASGI message "websocket.accept" or "websocket.close", but got {!r}'
EXPECT_SEND = 'Expected ASGI message "websocket.send" or "websocket.close", but got {!r}'
SEND_AFTER_CLOSE = 'Cannot call "send" once a close message has been sent.'
NOT_CONNECTED = 'WebSocket is not connected. Need to call "accept" first.'
BAD_MODE = 'The "mode" argument should be "text" or "binary".'
