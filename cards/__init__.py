"""Card template definitions (templates/*.json) and pure card builders: no IO."""
