"""The two middleware logging styles of the seeds.

JWTAuthMiddleware: JWT in ?token=, bracket tags (seed 001).
TokenAuthMiddleware: REST token in ?token=, emoji tags (seed 000)."""
import logging
from urllib.parse import parse_qs

import jwt
from channels.middleware import BaseMiddleware
from django.conf import settings

from .users import REST_TOKENS, AnonymousUser, get_user

log = logging.getLogger("e2eapp.middleware")


def _token(scope):
    qs = parse_qs(scope.get("query_string", b"").decode())
    return qs.get("token", [None])[0]


class JWTAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["user"] = AnonymousUser()
        log.info("[JWTAuthMiddleware] Processing connection for path: %s", scope["path"])
        token = _token(scope)
        if not token:
            log.warning("[JWTAuthMiddleware] No token provided")
        else:
            log.info("[JWTAuthMiddleware] Token found: %s...", token[:20])
            try:
                payload = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
                user_id = payload.get("user_id")
                log.info("[JWTAuthMiddleware] Decoded token payload, user_id: %s", user_id)
                user = get_user(user_id)
                if user is None:
                    log.warning("[JWTAuthMiddleware] User not found: %s", user_id)
                else:
                    log.info("[JWTAuthMiddleware] User found: %s - %s (role: %s)", user.id, user.email, user.role)
                    scope["user"] = user
                    log.info("[JWTAuthMiddleware] User authenticated: %s (%s)", user.id, user.email)
            except jwt.InvalidTokenError as exc:  # ExpiredSignatureError: "Signature has expired"
                log.warning("[JWTAuthMiddleware] Invalid token: %s", exc)
        return await super().__call__(scope, receive, send)


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        scope = dict(scope)
        scope["user"] = AnonymousUser()
        query = scope.get("query_string", b"").decode()
        log.info("🔍 WebSocket connection attempt - Path: %s, Query: %s", scope["path"], query)
        token = _token(scope)
        if not token:
            log.warning("⚠️ No token found in query string")
        else:
            log.info("🔑 Token extracted: %s...", token[:10])
            user = get_user(REST_TOKENS[token]) if token in REST_TOKENS else None
            if user is None:
                log.warning("❌ Invalid token: %s...", token[:10])
            else:
                scope["user"] = user
                log.info("✅ Token authenticated for user: %s (ID: %s)", user.email, user.id)
        return await super().__call__(scope, receive, send)
