"""HR: collective agreements and pay tables, recruitment, hiring and explainable salary
placement."""
