"""One router per area of the console: sign-in, batches, the queue, one order, workers,
users."""
