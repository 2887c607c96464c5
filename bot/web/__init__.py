"""The bot's one HTTP server: adapters' endpoints (Slack's HTTP mode, Telegram webhooks) and
``/healthz``."""
