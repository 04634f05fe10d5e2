"""Batch jobs run from the command line: billing, AutoPay, mail delivery, demo data."""
