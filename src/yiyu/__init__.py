"""yiyu 医育: pediatric health management after China's national standards."""
