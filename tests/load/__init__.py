"""Load and fault tests against the example apps on a real uvicorn (issue 6, item 2)."""
