-- Published figures of the governance-indices domain (both reference files, use
-- reproduce or bound) recomputed from fct_governance_index_scores, read from each
-- figure's row: indicator <index>[_rank|_mean] with index par_index, sipas, papi, pci
-- or district_par_index (index_code in upper case), period = the index year, admin_unit
-- = the unit scored. No suffix: the unit's score; _rank: its rank, which counts only
-- when the figure's unit rank_of_<n> is the number of units ranked that year (63
-- provinces, 34 from 2025, 30 districts); _mean: the mean score of the district-level
-- units of the city in that index and year (exact decimal sum, then one division).
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
    where domain = 'indices' and use in ('reproduce', 'bound')
),

scores as (
    select * from {{ ref('fct_governance_index_scores') }}
),

parsed as (
    select
        figure_id,
        admin_unit as admin_unit_id,
        try_cast(period as integer) as index_year,
        unit,
        upper(
            regexp_extract(
                indicator, '^(par_index|sipas|papi|pci|district_par_index)(_rank|_mean)?$', 1
            )
        ) as index_code,
        coalesce(
            nullif(
                regexp_extract(
                    indicator, '^(par_index|sipas|papi|pci|district_par_index)(_rank|_mean)?$', 2
                ),
                ''
            ),
            '_score'
        ) as measure
    from figures
),

unit_figures as (
    select
        parsed.figure_id,
        case parsed.measure
            when '_score' then scores.score::double
            when '_rank' then (
                case when parsed.unit = 'rank_of_' || scores.ranked_units then scores.rank end
            )::double
        end as warehouse_value
    from parsed
    inner join scores
        on
            parsed.index_code = scores.index_code
            and parsed.index_year = scores.index_year
            and parsed.admin_unit_id = scores.admin_unit_id
    where parsed.measure in ('_score', '_rank')
),

district_means as (
    select
        parsed.figure_id,
        sum(scores.score)::double / count(scores.score) as warehouse_value
    from parsed
    inner join scores
        on
            parsed.index_code = scores.index_code
            and parsed.index_year = scores.index_year
            and scores.scope = 'district'
    where parsed.measure = '_mean' and parsed.admin_unit_id = '01'
    group by parsed.figure_id
),

final as (
    select * from unit_figures
    union all
    select * from district_means
)

select * from final
