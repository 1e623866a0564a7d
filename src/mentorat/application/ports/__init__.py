"""What the application needs from the outside world, in domain terms.

Adapters implement these protocols structurally (no inheritance needed); each adapter's tests
assert conformance with an annotated assignment that mypy checks.

Each module of this package holds the ports of one responsibility; every name is re-exported
here, so `from mentorat.application.ports import X` is the way to import one.
"""

from mentorat.application.ports.chat import ChatPosts, ChatRead, Messages, ReadMark
from mentorat.application.ports.clock import Clock
from mentorat.application.ports.deliveries import (
    Digest,
    FailedDelivery,
    Mail,
    Mailer,
    MailQueue,
    Progress,
    UnreadMessage,
    WebhookEndpoint,
    Webhooks,
    WebhookSender,
)
from mentorat.application.ports.events import (
    EventPublisher,
    NewEvent,
    Outbox,
    OutboxPage,
    OutboxWakeups,
    StoredEvent,
)
from mentorat.application.ports.mentorings import Goals, Mentorings, MentoringWithPeople
from mentorat.application.ports.people import MentorDirectory, Profiles, Users
from mentorat.application.ports.records import (
    AuditTrail,
    IdempotencyKeys,
    PersonalData,
    ProgrammeCounts,
    ProgrammeFigures,
    UsedRefreshTokens,
)
from mentorat.application.ports.security import (
    AccessGrant,
    LoginThrottle,
    PasswordHasher,
    RefreshGrant,
    RegistrationThrottle,
    TokenClaims,
    TokenPair,
    Tokens,
)
from mentorat.application.ports.tally import UNTALLIED, Occurrence, Tally, Untallied
from mentorat.application.ports.transaction import Transaction, UnitOfWork

__all__ = [
    "UNTALLIED",
    "AccessGrant",
    "AuditTrail",
    "ChatPosts",
    "ChatRead",
    "Clock",
    "Digest",
    "EventPublisher",
    "FailedDelivery",
    "Goals",
    "IdempotencyKeys",
    "LoginThrottle",
    "Mail",
    "MailQueue",
    "Mailer",
    "MentorDirectory",
    "MentoringWithPeople",
    "Mentorings",
    "Messages",
    "NewEvent",
    "Occurrence",
    "Outbox",
    "OutboxPage",
    "OutboxWakeups",
    "PasswordHasher",
    "PersonalData",
    "Profiles",
    "ProgrammeCounts",
    "ProgrammeFigures",
    "Progress",
    "ReadMark",
    "RefreshGrant",
    "RegistrationThrottle",
    "StoredEvent",
    "Tally",
    "TokenClaims",
    "TokenPair",
    "Tokens",
    "Transaction",
    "UnitOfWork",
    "UnreadMessage",
    "Untallied",
    "UsedRefreshTokens",
    "Users",
    "WebhookEndpoint",
    "WebhookSender",
    "Webhooks",
]
