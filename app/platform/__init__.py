"""The local platform: real emulators started, watched and stopped by the project's own code.

Production talks to Pub/Sub and BigQuery; locally the same client libraries talk to Google's Pub/Sub
emulator and to a BigQuery emulator. This package starts them on free ports, waits until they answer,
records them in a state file under the data directory, and stops them without leaving a process behind.
"""
