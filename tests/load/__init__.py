"""Load and fault tests against the example apps on a real uvicorn."""
