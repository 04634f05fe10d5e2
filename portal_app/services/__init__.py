"""The domain: plain functions that take a DB session and the acting principal (no Reflex here)."""
