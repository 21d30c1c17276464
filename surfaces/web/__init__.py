"""The monitor web UI, served by `dozor api` under /ui: server-rendered pages (Jinja2, autoescaped),
the same tokens as the API, kept in an HttpOnly cookie after a login page."""
