"""Pure functions from data (+ language) to Adaptive Card JSON, schema 1.5. No I/O."""
