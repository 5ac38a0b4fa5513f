{#- The missing-data rule of a scorecard (see macros/scorecards.sql, scorecard_ranks),
    measure by measure: a unit with a null measure has no rank; one with a value has the
    rank 1 + the number of units of the period with a better value (ties share a rank), so
    ranks run from 1 to the ranked count; and the ranked count is the number of units of
    the period with a value. `measures` is the list given to scorecard_ranks; `score` is
    the measure signed so that higher is better. A failing row names the scorecard row
    (`scorecard_id`: unit/period) and the measure. -#}
{% test scorecard_ranks_only_units_with_data(model, id_column, measures) %}

with

scorecards as (
    select * from {{ model }}
),

measures as (
    {%- for measure in measures %}
    select
        {{ id_column }} as scorecard_id,
        period_id,
        '{{ measure.name }}' as measure_name,
        {{ '-' if measure.get('order', 'desc') == 'asc' }}{{ measure.column }}::double as score,
        {{ measure.name }}_rank as measure_rank,
        {{ measure.name }}_ranked_count as ranked_count
    from scorecards
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

expected as (
    select
        measures.scorecard_id,
        measures.measure_name,
        measures.score,
        measures.measure_rank,
        measures.ranked_count,
        1 + count(rivals.score) filter (where rivals.score > measures.score)
            as expected_rank,
        count(rivals.score) as expected_ranked_count
    from measures
    inner join measures as rivals
        on
            measures.period_id = rivals.period_id
            and measures.measure_name = rivals.measure_name
    group by
        measures.scorecard_id,
        measures.measure_name,
        measures.score,
        measures.measure_rank,
        measures.ranked_count
),

final as (
    select * from expected
    where
        ranked_count is distinct from expected_ranked_count
        or (score is null and measure_rank is not null)
        or (score is not null and measure_rank is distinct from expected_rank)
)

select * from final

{% endtest %}
