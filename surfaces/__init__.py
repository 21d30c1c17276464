"""What people use: the HTTP API (surfaces/api), the monitor web UI (surfaces/web), both served by the
app that surfaces/app.py assembles, and Kibana's saved objects (surfaces/kibana)."""
