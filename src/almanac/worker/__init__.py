"""The reminder worker: claims due deliveries, delivers them, records the outcome."""
