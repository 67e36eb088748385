"""Self-contained HTML reports (backtest results, the quarterly review pack)."""
