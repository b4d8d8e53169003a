"""The web console (docs/spec.md §11): server-rendered pages over the stages' stores, with logins,
roles, CSRF tokens and signed links. `create_app` in, a Starlette ASGI app out."""
