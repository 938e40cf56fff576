"""model layer: typed, immutable tenant (policies, locations, strengths, agreements, directory,
Power Platform). Imports nothing above it."""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from caflow.model.agreements import Agreement, AgreementAcceptance
    from caflow.model.directory import Device, Directory, Group, ServicePrincipal, User
    from caflow.model.locations import CountryNamedLocation, IpNamedLocation, OtherNamedLocation
    from caflow.model.policy import Policy, PolicyState
    from caflow.model.powerplatform import Connection, ConnectionRef, Flow, Trigger
    from caflow.model.tenant import Settings, Tenant

#: Name -> submodule. Imported on first use (PEP 562): ``caflow --help`` and the CLI's option
#: definitions import ``caflow.model.signals`` without paying for pydantic and the tenant.
_WHERE = {
    "Agreement": "agreements",
    "AgreementAcceptance": "agreements",
    "Device": "directory",
    "Directory": "directory",
    "Group": "directory",
    "ServicePrincipal": "directory",
    "User": "directory",
    "CountryNamedLocation": "locations",
    "IpNamedLocation": "locations",
    "OtherNamedLocation": "locations",
    "Policy": "policy",
    "PolicyState": "policy",
    "Connection": "powerplatform",
    "ConnectionRef": "powerplatform",
    "Flow": "powerplatform",
    "Trigger": "powerplatform",
    "Settings": "tenant",
    "Tenant": "tenant",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'caflow.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"caflow.model.{where}"), name)
    globals()[name] = value
    return value


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
