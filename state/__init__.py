"""Atelier's SQL state: the tables, the database, and the migrations that own the schema.

Below the bot core and beside the knowledge store: it imports nothing from ``bot`` or the
adapters. ``from state import Database, Draft`` is the public way in; the modules are
:mod:`state.schema` (tables), :mod:`state.buttons` (what buttons stand for),
:mod:`state.database` (engine and sessions),
:mod:`state.tenants` (forgetting a tenant) and :mod:`state.migrations` (Alembic).
"""

from state.buttons import FORM_KEPT, ButtonKey, FormState, StoredButton
from state.database import Database, DatabaseUnavailable
from state.features import FeatureTable
from state.schema import (
    ActiveProject,
    AppInstallation,
    Base,
    ChangeRequest,
    DigestRun,
    DigestSchedule,
    Draft,
    DraftVersion,
    LogEntry,
    OAuthState,
    PostAudit,
    ProjectAlias,
    RemovedProject,
    SavedEstimate,
    ScopeRun,
    SeenEvent,
    TenantSettings,
    affected_rows,
    utcnow,
)
from state.tenants import forget_tenant

__all__ = [
    "FORM_KEPT",
    "ActiveProject",
    "AppInstallation",
    "Base",
    "ButtonKey",
    "ChangeRequest",
    "Database",
    "DatabaseUnavailable",
    "DigestRun",
    "DigestSchedule",
    "Draft",
    "DraftVersion",
    "FeatureTable",
    "FormState",
    "LogEntry",
    "OAuthState",
    "PostAudit",
    "ProjectAlias",
    "RemovedProject",
    "SavedEstimate",
    "ScopeRun",
    "SeenEvent",
    "StoredButton",
    "TenantSettings",
    "affected_rows",
    "forget_tenant",
    "utcnow",
]
