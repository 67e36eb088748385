"""The printers: plain-text forms of the data summary, backtest, watchlist and explanation,
and the JSON form of the values a backtest holds."""


def format_watchlist(result, seen_by: str, source: str) -> str:
    """The watchlist as the terminal shows it: header, each list with reasons and flags,
    then councils flagged outside the list."""
    from riskwatch.review import LISTS

    lines = [
        f"riskwatch watchlist as of {result.as_of}, with what was published by {seen_by} "
        f"({result.model}); probability of a first failure becoming "
        "known within the model's horizon",
        f"data: {source}",
    ]
    if result.absent_inputs:
        base = [label for label in result.absent_inputs if ": " not in label]
        derived = len(result.absent_inputs) - len(base)
        lines.append(
            f"{result.as_of} lacks {len(result.absent_inputs)} inputs earlier years have, so "
            f"the model does not read them: {'; '.join(base)}"
            + (f"; and {derived} peer and trend forms of these" if derived else "")
        )
    for key, title in LISTS.items():
        listed = result.table[result.table["list"] == key].to_dict(orient="records")
        lines += ["", f"{title} ({len(listed)}):"]
        for r in listed:
            change = (
                "new" if r["rank_change"] != r["rank_change"] else f"{int(r['rank_change']):+d}"
            )
            record = f"  [{r['failures_on_record']}]" if r["failures_on_record"] else ""
            lines.append(
                f"{r['rank']:>3}. {r['name']} ({r['gss_code']}, {r['class']}) "
                f"{r['probability']:.1%} {r['band']} ({change}){record}"
            )
            if r.get("flags"):
                lines.append(f"       ! flagged: {r['flags']}")
            for k in range(1, 5):
                reason = r.get(f"reason_{k}")
                if isinstance(reason, str):
                    lines.append(f"       - {reason}")
    if len(result.flagged):
        lines += ["", "Flagged for review outside the list (review flags, whatever the score):"]
        lines += [
            f"{r['rank']:>3}. {r['name']} ({r['gss_code']}, {r['class']}) "
            f"{r['probability']:.1%}: {r['flags']}"
            for r in result.flagged.to_dict(orient="records")
        ]
    return "\n".join(lines)


def format_explanation(e) -> str:
    """An explanation as text: contributions by indicator, history against peers, events,
    and the moves that would take the council off the watchlist."""
    from riskwatch.reason_words import reason_text
    from riskwatch.units import format_value

    labels = {
        **e.contributions.set_index("feature")["indicator"].to_dict(),
        **e.groups.set_index("base")["indicator"].to_dict(),
    }
    units = {
        **e.contributions.set_index("feature")["unit"].to_dict(),
        **e.groups.set_index("base")["unit"].to_dict(),
    }

    def named(feature: str) -> str:
        return f"{labels.get(feature, feature)} [{feature}]"

    def shown(value: float, feature: str) -> str:
        return format_value(value, units.get(feature, ""))

    lines = [
        f"{e.name} ({e.gss_code}) as of {e.as_of}: probability {e.probability:.1%}, rank {e.rank}",
        f"Review flags: {e.flags or 'none raised'}",
        f"Model: {e.model}",
        "",
        "Contributions by indicator (log-odds; positive raises the risk), each indicator's "
        "forms below it:",
    ]
    silent = e.contributions["value"].isna() & (e.contributions["contribution"].abs() < 5e-4)
    forms = e.contributions[~silent].groupby("base", sort=False)
    for group in e.groups.itertuples(index=False):
        if group.base not in forms.groups:
            continue
        lines.append(f"  {group.contribution:+.3f}  {reason_text(group._asdict())}")
        for r in forms.get_group(group.base).itertuples():
            form = r.indicator.removeprefix(group.indicator + ": ")
            value = format_value(r.value, r.unit)
            lines.append(f"            {r.contribution:+.3f}  {form} = {value}  [{r.feature}]")
    if silent.any():
        quiet = e.contributions[silent]
        absent = sorted(set(quiet["base"]) - set(forms.groups))
        lines.append(
            f"  No value, so no contribution: {len(quiet)} inputs, every form of "
            f"{len(absent)} indicators ({', '.join(absent)}) and some forms of those above"
        )
    lines += ["", "Key indicators over time (council / class median / nearest-neighbour median):"]
    for feature, rows in e.history.groupby("feature", sort=False):
        lines.append(f"  {named(feature)}:")
        for r in rows.itertuples():
            values = (r.value, r.class_median, r.neighbour_median)
            lines.append(f"    {r.year}: " + " / ".join(shown(v, feature) for v in values))
    lines += ["", "Events on record:"]
    if e.events.empty:
        lines.append("  none")
    for r in e.events.itertuples():
        counted = "counts" if r.counts_as_failure else "does not count"
        lines.append(
            f"  {r.event.upper()} {r.date if isinstance(r.date, str) else 'for ' + r.financial_year} "
            f"(decided {r.decided_year}, {counted})"
        )
    lines += ["", "What would move it off the watchlist (one indicator at a time, others fixed):"]
    for r in e.moves.itertuples():
        now = f"  {named(r.feature)}: now {shown(r.value, r.feature)}; "
        if r.note:
            lines.append(now + r.note)
        else:
            lines.append(
                now + f"{shown(r.value_below_threshold, r.feature)} would bring "
                f"the probability below {r.threshold:.0%}"
            )
    return "\n".join(lines)


def json_default(value):
    """JSON for what `json` cannot write: NaN as null, numpy scalars as numbers."""
    import math

    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def format_backtest(result) -> str:
    """The backtest as a table of pooled metrics, per-origin cells, paired differences and
    the rank of every real failure before it became known."""
    lines = [
        "model     task  h  failures  ROC-AUC [95%]        PR-AUC [95%]         "
        "recall@30 [95%]      Brier"
    ]
    for r in result.metrics.sort_values(["task", "horizon", "model"]).itertuples():
        lines.append(
            f"{r.model:<9} {r.task:<5} {r.horizon}  {int(r.positives):>8}  "
            f"{r.roc_auc:.3f} [{r.roc_auc_low:.2f},{r.roc_auc_high:.2f}]  "
            f"{r.pr_auc:.3f} [{r.pr_auc_low:.2f},{r.pr_auc_high:.2f}]  "
            f"{r.recall_at_30:.3f} [{r.recall_at_30_low:.2f},{r.recall_at_30_high:.2f}]  "
            f"{r.brier:.4f}"
        )
    lines += ["", "Per origin (ROC-AUC / recall at 30; failures in the window):"]
    for (task, horizon), rows in result.per_origin.groupby(["task", "horizon"]):
        lines.append(f"  {task} h={horizon}")
        for model, by_model in rows.groupby("model"):
            cells = "  ".join(
                f"{r.origin[2:]} {r.roc_auc:.2f}/{r.recall_at_30:.2f} ({int(r.positives)})"
                for r in by_model.itertuples()
            )
            lines.append(f"    {model:<15} {cells}")
    if len(result.paired):
        challenger, incumbent = result.paired.columns[3], result.paired.columns[4]
        lines += ["", f"{challenger} against {incumbent} (difference, paired 95% interval):"]
        lines += [
            f"  {r.task:<4} h={r.horizon} {r.metric:<13} {r.difference:+.3f} "
            f"[{r.low:+.3f}, {r.high:+.3f}]"
            for r in result.paired.itertuples()
        ]
    ranks = result.failure_ranks
    lines += [
        "",
        "Every real failure (new-failure task): rank 1, 2, 3 years before it became known",
    ]
    for (_, name, event, known), rows in ranks.groupby(["gss_code", "name", "event", "known_year"]):
        cells = "  ".join(
            f"{r.model}: " + "/".join(rank_text(getattr(r, f"rank_{h}y_before")) for h in (1, 2, 3))
            for r in rows.itertuples()
        )
        lines.append(f"  {known} {event:<4} {name[:28]:<28} {cells}")
    return "\n".join(lines)


def format_replay(replay, spec) -> str:
    """The replay of each EFS round: per round, its first-time councils found in each top k
    by every model, then each first-time council's rank under every model."""
    tops = " / ".join(str(k) for k in spec.top_k)
    lines = [
        f"Replay of each EFS round: every council ranked as the review of the December before "
        f"would ({spec.horizon}-year models, {spec.task} failures, trained on the outcome "
        f"windows closed by the as-of year); first-time councils found in the top {tops}"
    ]
    for round_year, rows in replay.rounds.groupby("round", sort=True):
        first = rows.iloc[0]
        unranked = first.first_time - first.scored
        lines.append(
            f"  {round_year} (review {first.review_date}, as of {first.as_of}): "
            f"{first.first_time} first-time councils"
            + (f", {unranked} not ranked (no return for {first.as_of})" if unranked else "")
        )
        for r in rows.itertuples():
            found = " / ".join(str(getattr(r, f"in_top_{k}")) for k in spec.top_k)
            lines.append(f"    {r.model:<15} {found}")
        councils = replay.councils[replay.councils["round"] == round_year]
        for (_, name), ranks in councils.groupby(["gss_code", "name"], sort=False):
            cells = "  ".join(f"{r.model} {rank_text(r.rank)}" for r in ranks.itertuples())
            lines.append(f"      {name[:28]:<28} {cells}")
    totals = replay.rounds.groupby("model", sort=False)[[f"in_top_{k}" for k in spec.top_k]].sum()
    lines.append(
        f"  all rounds ({replay.rounds.groupby('round')['first_time'].first().sum()} "
        "first-time councils):"
    )
    for model, row in totals.iterrows():
        lines.append(f"    {model:<15} " + " / ".join(str(int(v)) for v in row))
    return "\n".join(lines)


def rank_text(value) -> str:
    """A rank, or "-" where the council was not scored."""
    return "-" if value is None or value != value else str(int(value))


def format_summary(summary: dict) -> str:
    """`data check` as text: years, councils, sources, measures, events, warnings."""
    years = summary["outturn_years"]
    lines = [
        f"Outturn years: {len(years)} ({years[0]} to {years[-1]})",
        f"Councils: {summary['councils']} "
        + ", ".join(f"{k} {v}" for k, v in summary["councils_by_class"].items()),
        "",
        "Councils per year and class:",
    ]
    for year, counts in summary["councils_per_year_and_class"].items():
        lines.append(f"  {year}: " + ", ".join(f"{k} {v}" for k, v in counts.items() if v))
    lines += ["", "Sources:"]
    for source, info in summary["sources"].items():
        lines.append(
            f"  {source}: {info['years'][0]} to {info['years'][-1]}, "
            f"{info['authorities']} councils, {len(info['indicators'])} measures, "
            f"{info['vintages']} vintages, {info['unmatched_rows']} unmatched rows"
        )
    lines += ["", "Measures (share of councils with a reported value, first and last year):"]
    for measure, info in summary["measures"].items():
        coverage = info["coverage"]
        first, last = min(coverage), max(coverage)
        lines.append(
            f"  {measure} [{info['unit']}]: "
            f"{first} {coverage[first]:.0%} .. {last} {coverage[last]:.0%}"
        )
    events = summary["events"]
    lines += [
        "",
        f"Events: {events['rows']} rows, {events['counting_as_failure']} count as failure, "
        f"{events['bodies']} bodies",
    ]
    for key, n in events["by_type_and_decided_year"].items():
        lines.append(f"  {key}: {n}")
    lines += format_compiled(summary["compiled"])
    lines += format_verification(summary["verification"])
    lines += format_breaks(summary["definition_breaks"])
    lines += ["", f"Warnings ({len(summary['warnings'])}):"]
    lines += [f"  ! {w}" for w in summary["warnings"]]
    return "\n".join(lines)


def format_breaks(report: dict) -> list[str]:
    """Suspected definition breaks: the rule, then each with its class medians and past
    ranges, accepted (with the configured reason) or held out of trends and reasons'
    changes (features/breaks.py)."""
    lines = ["", f"Suspected definition breaks ({len(report['suspected'])}): {report['rule']}"]
    for row in report["suspected"]:
        status = (
            f"accepted: {row['reason']}" if row["accepted"] else "not accepted: held out of changes"
        )
        lines.append(
            f"  {row['source']}:{row['indicator']} {row['financial_year']} [{status}]: "
            f"{row['classes']}"
        )
    return lines


def format_verification(verification: dict) -> list[str]:
    """The panel against the verification sample: outcomes per form and year, and the known
    revisions (the disagreements are among the warnings)."""
    if not verification["verified"]:
        return ["", f"Verification: {verification['note']}"]
    totals = verification["totals"]
    lines = [
        "",
        f"Verification against an independent reading of MHCLG's returns "
        f"({verification['sample_values']:,} values; {verification['not_compared']} not "
        "compared: lines no reader maps):",
        f"  {'form and year':<16} {'agree':>6} {'revised':>8} {'disagree':>9} {'not held':>9}",
    ]
    for key, n in [*verification["by_form_and_year"].items(), ("total", totals)]:
        lines.append(
            f"  {key:<16} {n['agree']:>6} {n['revised']:>8} {n['disagree']:>9} {n['not_held']:>9}"
        )
    lines += [
        f"  known revision: {r['name']} {r['form']} line {r['row']} {r['financial_year']}: "
        f"{r['panel_value']:,.0f} in {r['vintage']}, {r['value_gbp_thousand']:,.0f} later"
        for r in verification["revisions"]
    ]
    return lines


def format_compiled(compiled: dict) -> list[str]:
    """Debt coverage per year and the checks on the compiled debt and outturn figures."""
    lines = ["", "Debt coverage (share of councils with a value at 31 March):"]
    for measure, years in compiled["debt_coverage"].items():
        shown = ", ".join(f"{year[2:4]} {share:.0%}" for year, share in years.items())
        lines.append(f"  {measure}: {shown}")
    overlap = compiled["overlap_with_mhclg_files"]
    lines += [
        "",
        f"Compiled figures against MHCLG's own files: {overlap['values_compared']} values held "
        f"by both, {overlap['agree']} agree, {overlap['disagree']} disagree",
    ]
    lines += [
        f"  {d['gss_code']} {d['source']}:{d['indicator']} at {d['period_end']}: compiled "
        f"{d['value_compiled']:,.0f}, MHCLG {d['value_mhclg']:,.0f} ({d['source_file_mhclg']})"
        for d in overlap["disagreements"]
    ]
    lines += ["", "Compiled 2024-25 against 2023-24 (median % change by class):"]
    for measure, info in compiled["year_on_year_2024_25_by_class"].items():
        medians = ", ".join(f"{k} {v:+.1f}%" for k, v in info["median_change_pct"].items())
        lines.append(f"  {measure}: {medians} ({info['councils']} councils)")
    return lines


def format_stress(results, as_of: str, top: int) -> str:
    """Each scenario: what it is, who crosses by class, then the councils ranked by their
    stressed probability with reserves now and at the low point, and the headroom."""
    from riskwatch.units import headroom_words, percent_or_na

    lines = [
        f"riskwatch stress as of {as_of}: scenarios, not forecasts; reserves as % of net "
        "revenue spending now and at the scenario's low point; headroom: the multiple of the "
        "shock that takes reserves below the line"
    ]
    for result in results:
        scenario, table = result.scenario, result.table
        definition = scenario.definition
        lines += [
            "",
            f"{scenario.name} (version {definition['version']}, hash {scenario.digest}): "
            f"{scenario.title}",
            f"  source: {definition['source']} ({definition['date']})",
        ]
        if "projection" in definition:
            lines.append(f"  projection: {definition['projection']}")
        crossings = result.crossings
        lines.append("  crossings by class (into the watchlist / into a higher band / councils):")
        lines += [
            f"    {r['class']:<4} {r['into the watchlist']:>3} {r['into a higher band']:>3} "
            f"{r['councils']:>4}"
            for r in crossings.to_dict(orient="records")
        ]
        heads = [c for c in table.columns if c.startswith("headroom_")]
        lines.append(
            "  rank council (class): probability -> stressed, band -> band; reserves now -> "
            "low point; "
            + ", ".join(h.replace("headroom_", "headroom to ").replace("pct", "%") for h in heads)
        )
        for r in table.head(top).to_dict(orient="records"):
            room = ", ".join(headroom_words(r[h]) for h in heads)
            cross = f"  [{r['crosses']}]" if r["crosses"] else ""
            lines.append(
                f"  {r['stressed_rank']:>3}. {r['name']} ({r['class']}): {r['probability']:.1%} "
                f"-> {r['stressed_probability']:.1%}, {r['band']} -> {r['stressed_band']}; "
                f"{percent_or_na(r['reserves_pct_nre'])} -> {percent_or_na(r['low_point_pct_nre'])}; "
                f"{room}{cross}"
            )
        lines += [
            f"  {r['name']}: £{r['debt_repaid'] / 1e6:,.0f}m of borrowing repaid, a saving of "
            f"£{-r['gap'] / 1e6:,.1f}m (its interest {r['interest_rate_pct']:.2f}% + MRP "
            f"{r['mrp_pct_cfr']:.2f}% of its CFR); borrowing "
            f"{percent_or_na(r['borrowing_pct_nre'])} -> "
            f"{percent_or_na(r['stressed_borrowing_pct_nre'])} and CFR "
            f"{percent_or_na(r['cfr_pct_nre'])} -> {percent_or_na(r['stressed_cfr_pct_nre'])} "
            f"of net revenue spending; {r['probability']:.1%} -> "
            f"{r['stressed_probability']:.1%}, {r['band']} -> {r['stressed_band']}"
            for r in table[table["debt_repaid"] > 0].to_dict(orient="records")
        ]
        crossing = table[(table["crosses"] != "") & (table["stressed_rank"] > top)]
        if len(crossing):
            lines.append(f"  crossing below the top {top}:")
            lines += [
                f"  {r['stressed_rank']:>3}. {r['name']} ({r['class']}): "
                f"{r['probability']:.1%} -> {r['stressed_probability']:.1%} [{r['crosses']}]"
                for r in crossing.to_dict(orient="records")
            ]
    return "\n".join(lines)


def format_successors(view, as_of: str, model: str) -> str:
    """Each announced successor, then its predecessors: the share of each it takes, its net
    revenue spending and reserves in pounds, the main ratios and the model's probability."""
    from riskwatch.units import percent_or_na, pounds_or_na

    lines = [
        f"riskwatch successors as of {as_of} ({model}): each new council scored from its "
        "predecessors' combined figures (pounds summed at each one's share, ratios rebuilt, "
        "the worst flag kept; a predecessor's missing figure is left out of a sum, its "
        "missing return kept as the successor's); reserves as % of net revenue spending",
    ]
    lines += [
        f"{r['successor']} takes {r['share']:.1%} of {r['name']}'s figures: its part of the "
        f"{r['basis']} of {r['year']} (the districts it takes whole, over the county's)"
        for r in view.shares.to_dict(orient="records")
    ]
    if view.table.empty:
        lines.append(f"no announced council has every predecessor scored in {as_of}")
    for r in view.table.to_dict(orient="records"):
        if r["role"] == "successor":
            lines.append("")
        share = "" if r["share"] == 1 else f" x{r['share']:.3f}"
        flag = "; missing return" if r.get("missing_return_latest") == 1 else ""
        lines.append(
            f"{'' if r['role'] == 'successor' else '    '}{r['name']} ({r['class']}{share}): "
            f"{r['probability']:.1%} {r['band']}; spending {pounds_or_na(r['net_revenue_expenditure'])}, "
            f"{r['reserves_measure']} {pounds_or_na(r['reserves'])} "
            f"({percent_or_na(r.get('usable_reserves_pct_nre', float('nan')))} usable, "
            f"{percent_or_na(r.get('total_reserves_pct_nre', float('nan')))} total); "
            f"financing cost {percent_or_na(r.get('financing_cost_pct_nre', float('nan')))}, "
            f"borrowing {percent_or_na(r.get('borrowing_pct_nre', float('nan')))}{flag}"
        )
    return "\n".join(lines)
