"""The app's users, REST tokens (emoji middleware) and conversations, in memory.

Customers have ids 1..99, therapists 101..199. A REST token is sha1-like hex derived
from the user id; JWTs are HS256 signed with settings.SECRET_KEY (PyJWT)."""
import hashlib


class User:
    is_authenticated = True
    is_anonymous = False

    def __init__(self, uid):
        self.id = uid
        self.role = "customer" if uid < 100 else "therapist"
        self.email = f"{self.role}{uid}@example.com"

    def __str__(self):
        return self.email

    def __repr__(self):
        return f"<User: {self.email}>"


class AnonymousUser:
    id = None
    is_authenticated = False
    is_anonymous = True

    def __str__(self):
        return "AnonymousUser"

    __repr__ = __str__


def get_user(uid):
    uid = int(uid)
    if 1 <= uid <= 99 or 101 <= uid <= 199:
        return User(uid)
    return None


def rest_token(uid):
    return hashlib.sha1(f"e2e-rest-token-{uid}".encode()).hexdigest()


REST_TOKENS = {rest_token(uid): uid for uid in list(range(1, 100)) + list(range(101, 200))}

# Conversation id -> participants. Ids >= 1000 do not exist.
CONVERSATIONS = {cid: {cid, 100 + cid} for cid in range(1, 100)}
