"""SQLModel tables for the whole portal; importing this registers them all on the metadata."""

from sqlmodel import SQLModel

from portal_app.models.account import (
    Account, Contact, ContactPoint, ContactType, ProviderSettings, ServiceArea,
)
from portal_app.models.base import UTCDateTime, call_in_session, get_engine, lease_outbox_row, make_engine, session_scope, utcnow
from portal_app.models.billing import (
    AccountService, GatewayEvent, Invoice, InvoiceLine, Package, PackageItem, Payment, PaymentAdjustment,
    PaymentAllocation, PaymentMethod, PaymentPromise, RecurringPayment, ServiceAreaPackage,
)
from portal_app.models.identity import (
    AccountMembership, AuthToken, PortalUser, RateLimitBucket, RecoveryCode, StaffUser, UserSession,
)
from portal_app.models.messaging import AccountHistory, OutboxMail
from portal_app.models.notifications import (
    MemberNotificationChoice, Notification, NotificationChoice, NotificationSettings, OutageNotice, OutageNoticeArea,
    OutageUpdate, OutboxSms,
)
from portal_app.models.operations import (
    ApiKey, ImportBatch, JobState, StaffAuditEntry, WebhookDelivery, WebhookEndpoint,
)
from portal_app.models.orders import CartOrder, Contract, ServiceHold, Workflow, WorkflowTask, WorkflowTaskDependency
from portal_app.models.support import Appointment, AppointmentWindow, Ticket, TicketNote

metadata = SQLModel.metadata

__all__ = [
    "Account", "AccountHistory", "AccountMembership", "AccountService", "ApiKey", "Appointment", "AppointmentWindow",
    "AuthToken", "CartOrder", "Contact", "ContactPoint", "ContactType", "Contract",
    "GatewayEvent", "ImportBatch", "Invoice", "InvoiceLine", "JobState", "StaffAuditEntry", "MemberNotificationChoice",
    "Notification", "NotificationChoice", "NotificationSettings", "OutageNotice", "OutageNoticeArea", "OutageUpdate", "OutboxMail",
    "OutboxSms", "Package", "PackageItem",
    "Payment", "PaymentAdjustment", "PaymentAllocation", "PaymentMethod", "PaymentPromise", "PortalUser", "ProviderSettings",
    "RateLimitBucket", "RecoveryCode", "RecurringPayment", "ServiceArea", "ServiceHold",
    "ServiceAreaPackage", "StaffUser", "Ticket", "TicketNote", "UTCDateTime",
    "UserSession", "WebhookDelivery", "WebhookEndpoint", "Workflow", "WorkflowTask", "WorkflowTaskDependency", "get_engine",
    "call_in_session", "lease_outbox_row", "make_engine", "metadata", "session_scope", "utcnow",
]
