"""Pay transparency (EU directive 2023/970): gender pay gap indicators, Art. 7 requests,
joint pay assessment."""
