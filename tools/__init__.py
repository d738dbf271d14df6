"""Operator commands run by hand or in CI (provisioning); not imported by the function app."""
