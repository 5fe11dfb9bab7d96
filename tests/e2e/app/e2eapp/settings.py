"""Settings of the e2e Django Channels app (no database: users, tokens and
conversations live in e2eapp.users)."""
import os

SECRET_KEY = os.environ.get("E2E_SECRET_KEY", "e2e-not-a-secret-0123456789abcdef")
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "e2eapp.urls"
INSTALLED_APPS = ["channels"]
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
TIME_ZONE = "UTC"  # Django sets the process TZ from this (default America/Chicago)
ASGI_APPLICATION = "e2eapp.asgi.application"

REDIS_PORT = int(os.environ.get("E2E_REDIS_PORT", "6379"))
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [("127.0.0.1", REDIS_PORT)]},
    }
}

# One format for everything the app logs (the seeds' lines are the messages).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,  # uvicorn configures its loggers before Django
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)-8s %(conn)s%(message)s"}},
    "filters": {"client": {"()": "e2eapp.logctx.ClientFilter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["client"]}},
    "loggers": {
        "e2eapp": {"handlers": ["stderr"], "level": "DEBUG", "propagate": False},
        "django": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}
