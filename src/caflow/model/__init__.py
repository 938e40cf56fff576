"""model layer: typed, immutable tenant (policies, locations, strengths, agreements, directory,
Power Platform). Imports nothing above it."""

from caflow.model.agreements import Agreement, AgreementAcceptance
from caflow.model.directory import Device, Directory, Group, ServicePrincipal, User
from caflow.model.locations import CountryNamedLocation, IpNamedLocation, OtherNamedLocation
from caflow.model.policy import Policy, PolicyState
from caflow.model.powerplatform import Connection, ConnectionRef, Flow, Trigger
from caflow.model.tenant import Settings, Tenant

__all__ = [
    "Agreement",
    "AgreementAcceptance",
    "Connection",
    "ConnectionRef",
    "CountryNamedLocation",
    "Device",
    "Directory",
    "Flow",
    "Group",
    "IpNamedLocation",
    "OtherNamedLocation",
    "Policy",
    "PolicyState",
    "ServicePrincipal",
    "Settings",
    "Tenant",
    "Trigger",
    "User",
]
