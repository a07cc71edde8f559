"""Use cases. Each public function is one transaction (or one per batch for imports)."""
