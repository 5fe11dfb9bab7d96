"""Consumers logging the seeds' lines (bracket tags on /ws/chat/, emoji on /ws/notifications/)."""
import asyncio
import json
import logging
import uuid

from channels.generic.websocket import AsyncWebsocketConsumer

from .users import CONVERSATIONS

log = logging.getLogger("e2eapp.consumers")


class ChatConsumer(AsyncWebsocketConsumer):
    """/ws/chat/{customer_id}/{therapist_id}/ (seed 001). Rejects close *before* accept()."""

    room_group_name = None

    async def connect(self):
        log.info("[ChatConsumer] Connection attempt started")
        user = self.scope["user"]
        log.info("[ChatConsumer] User authenticated: %s, User: %r", user.is_authenticated, user)
        if not user.is_authenticated:
            log.warning("[ChatConsumer] Connection rejected - user not authenticated")
            await self.close(code=4001)
            return
        kwargs = self.scope["url_route"]["kwargs"]
        raw_c, raw_t = kwargs.get("customer_id"), kwargs.get("therapist_id")
        if not (raw_c or "").isdigit() or not (raw_t or "").isdigit():
            log.warning(
                "[ChatConsumer] Missing parameters: customer_id=%s, therapist_id=%s",
                raw_c if (raw_c or "").isdigit() else None,
                raw_t if (raw_t or "").isdigit() else None,
            )
            await self.close(code=4000)
            return
        customer, therapist = int(raw_c), int(raw_t)
        log.info("[ChatConsumer] Customer ID: %s, Therapist ID: %s", customer, therapist)
        own = customer if user.role == "customer" else therapist
        if user.id != own:
            log.warning("[ChatConsumer] Authorization failed - %s %s tried to access %s %s", user.role, user.id, user.role, own)
            await self.close(code=4003)
            return
        self.room_group_name = f"chat_{customer}_{therapist}"
        log.info("[ChatConsumer] Room group name: %s", self.room_group_name)
        try:
            await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        except Exception as exc:
            log.error("[ChatConsumer] Failed to add to channel group: %s", exc)
            self.room_group_name = None
            await self.close(code=1011)
            return
        log.info("[ChatConsumer] Added to channel group successfully")
        await self.accept()
        log.info("[ChatConsumer] Connection accepted for user %s (role: %s)", user.id, user.role)
        log.info("[ChatConsumer] Getting/creating conversation for customer %s, therapist %s", customer, therapist)
        conv = uuid.uuid5(uuid.NAMESPACE_URL, f"chat/{customer}/{therapist}")
        log.info("[ChatConsumer] Found existing conversation: %s", conv)
        log.info("[ChatConsumer] Conversation loaded/created: %s", conv)

    async def disconnect(self, code):
        log.info("[ChatConsumer] Disconnected with code %s", code)
        if self.room_group_name:
            try:
                await self.channel_layer.group_discard(self.room_group_name, self.channel_name)
            except Exception as exc:
                log.error("[ChatConsumer] Failed to leave channel group: %s", exc)

    async def receive(self, text_data=None, bytes_data=None):
        log.info("[ChatConsumer] Received message: %s", text_data)
        data = json.loads(text_data)
        if data.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong", "message": "pong"}))
            return
        # A real bug: a message whose content is null raises AttributeError here.
        content = data["content"].strip()
        await self.channel_layer.group_send(self.room_group_name, {"type": "chat.message", "content": content})

    async def chat_message(self, event):
        log.info("[ChatConsumer] Sending message to client: %s", event["content"])
        await self.send(text_data=json.dumps({"type": "message", "content": event["content"]}))


class ConversationConsumer(AsyncWebsocketConsumer):
    """/ws/chat/{conversation_id}/ (seed 002): accepts, then checks; the client sees 4001/4003/4004."""

    group_name = None

    async def connect(self):
        log.info("[ConversationConsumer] Connection attempt started")
        user = self.scope["user"]
        log.info("[ConversationConsumer] User authenticated: %s, User: %r", user.is_authenticated, user)
        await self.accept()
        if not user.is_authenticated:
            log.warning("[ConversationConsumer] Connection rejected - user not authenticated")
            await self.close(code=4001)
            return
        cid = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        participants = CONVERSATIONS.get(cid)
        if participants is None:
            log.warning("[ConversationConsumer] Conversation %s does not exist", cid)
            await self.close(code=4004)
            return
        if user.id not in participants:
            log.warning("[ConversationConsumer] User %s is not a participant in conversation %s", user.email, cid)
            await self.close(code=4003)
            return
        self.group_name = f"chat_{cid}"
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        log.info("[ConversationConsumer] Added to group %s successfully", self.group_name)
        log.info("[ConversationConsumer] Connection accepted for user %s (role: %s)", user.id, user.role)

    async def disconnect(self, code):
        log.info("[ConversationConsumer] Disconnected with code %s", code)
        if self.group_name:
            try:
                await self.channel_layer.group_discard(self.group_name, self.channel_name)
            except Exception as exc:
                log.error("[ConversationConsumer] Failed to leave channel group: %s", exc)

    async def receive(self, text_data=None, bytes_data=None):
        log.info("[ConversationConsumer] Received message: %s", text_data)
        if json.loads(text_data).get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong", "message": "pong"}))


class LocationConsumer(AsyncWebsocketConsumer):
    """/ws/location/{customer_id}/{therapist_id}/: connect() waits on a geocoder that never answers."""

    async def connect(self):
        log.info("[LocationConsumer] Connection attempt started")
        user = self.scope["user"]
        log.info("[LocationConsumer] User authenticated: %s, User: %r", user.is_authenticated, user)
        kwargs = self.scope["url_route"]["kwargs"]
        log.info("[LocationConsumer] Customer ID: %s, Therapist ID: %s", kwargs["customer_id"], kwargs["therapist_id"])
        await asyncio.sleep(3600)  # the geocoder call that hangs
        await self.accept()


class NotificationConsumer(AsyncWebsocketConsumer):
    """/ws/notifications/ (seed 000), emoji tags."""

    group_name = None

    async def connect(self):
        user = self.scope["user"]
        log.info("🔍 Consumer connect called - Path: %s, User: %r", self.scope["path"], user)
        if not user.is_authenticated:
            log.warning("❌ User not authenticated, closing connection")
            await self.close()
            return
        self.group_name = f"user_{user.id}"
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        log.info("✅ WebSocket connected for user: %s (ID: %s)", user.email, user.id)

    async def disconnect(self, code):
        user = self.scope["user"]
        if user.is_authenticated:
            log.info("🔌 WebSocket disconnected for user: %s (ID: %s), code: %s", user.email, user.id, code)
        if self.group_name:
            try:
                await self.channel_layer.group_discard(self.group_name, self.channel_name)
            except Exception as exc:
                log.error("❌ Failed to leave group %s: %s", self.group_name, exc)

    async def receive(self, text_data=None, bytes_data=None):
        data = json.loads(text_data)
        log.info("📨 Received: %s", data)
        if data.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong", "message": "pong"}))

    async def send_notification(self, event):
        await self.send(text_data=json.dumps(event))
