"""The device runtime: voice loop, camera greeter, hub client, offline queue."""
