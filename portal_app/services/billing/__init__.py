"""Money: balances, invoices, payments, AutoPay, Quick Pay, statements, refunds."""
