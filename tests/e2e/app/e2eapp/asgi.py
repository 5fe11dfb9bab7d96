import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "e2eapp.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from .logctx import bind  # noqa: E402
from .consumers import ChatConsumer, ConversationConsumer, LocationConsumer, NotificationConsumer  # noqa: E402
from .middleware import JWTAuthMiddleware, TokenAuthMiddleware  # noqa: E402

chat_stack = JWTAuthMiddleware(
    URLRouter(
        [
            re_path(r"^ws/chat/(?P<conversation_id>\d+)/$", ConversationConsumer.as_asgi()),
            re_path(r"^ws/chat/(?P<customer_id>[^/]+)/(?P<therapist_id>[^/]+)/$", ChatConsumer.as_asgi()),
            re_path(r"^ws/location/(?P<customer_id>\d+)/(?P<therapist_id>\d+)/$", LocationConsumer.as_asgi()),
        ]
    )
)
notifications_stack = TokenAuthMiddleware(URLRouter([path("ws/notifications/", NotificationConsumer.as_asgi())]))


async def websocket_app(scope, receive, send):
    bind(scope)
    if scope["path"].startswith("/ws/notifications/"):
        return await notifications_stack(scope, receive, send)
    return await chat_stack(scope, receive, send)


async def http_app(scope, receive, send):
    # Request-id log filters tag HTTP requests too: a ws path that reached Django as plain
    # HTTP (nginx without the Upgrade headers) logs `Not Found` with its own request id.
    bind(scope)
    return await django_asgi_app(scope, receive, send)


application = ProtocolTypeRouter({"http": http_app, "websocket": websocket_app})
