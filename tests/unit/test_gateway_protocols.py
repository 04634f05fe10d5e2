"""Each gateway implements every method of its protocol with the same parameters, so a caller
written against `PaymentGateway` / `HostedGateway` works with whichever gateway is configured."""

from __future__ import annotations

import inspect

import pytest

from portal_app.integrations.payments import HostedGateway, PaymentGateway
from portal_app.integrations.payments.sandbox import SandboxGateway
from portal_app.integrations.payments.stripe_gateway import StripeGateway


def _members(protocol: type) -> dict[str, object]:
    names = {name for klass in protocol.__mro__ if klass not in (object,) and klass.__module__ != "typing"
             for name in vars(klass) if not name.startswith("_") and name != "name"}
    return {name: inspect.getattr_static(protocol, name) for name in sorted(names)}


def _parameters(function: object) -> list[tuple[str, object, object]]:
    function = function.fget if isinstance(function, property) else getattr(function, "__func__", function)
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values() if p.name != "self"]


@pytest.mark.parametrize(("gateway", "protocol"), [(SandboxGateway, PaymentGateway), (StripeGateway, HostedGateway)])
def test_the_gateway_implements_its_protocol(gateway: type, protocol: type) -> None:
    for name, declared in _members(protocol).items():
        implemented = inspect.getattr_static(gateway, name, None)
        assert implemented is not None, f"{gateway.__name__} lacks {name}"
        assert isinstance(implemented, property) == isinstance(declared, property), name
        assert _parameters(implemented) == _parameters(declared), f"{gateway.__name__}.{name}"


def test_the_hosted_protocol_names_every_method_the_billing_services_call() -> None:
    import ast
    from pathlib import Path

    billing = Path(__file__).resolve().parents[2] / "portal_app" / "services" / "billing"
    called = {node.func.attr for path in billing.glob("*.py") for node in ast.walk(ast.parse(path.read_text()))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "gateway"}
    assert called and called <= set(_members(HostedGateway))
