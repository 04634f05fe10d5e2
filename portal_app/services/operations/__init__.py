"""Running the portal: imports, the integration API and webhooks, jobs, cleanup."""
