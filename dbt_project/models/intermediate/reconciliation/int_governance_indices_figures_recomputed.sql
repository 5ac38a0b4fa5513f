-- Published figures of the governance-indices domain (I1..I28) recomputed from
-- fct_governance_index_scores: each figure is the score or the rank of one unit in one
-- index and year (I7 and I13, 2022, are read as published for 2022), and I28 is the
-- mean score of the 30 district-level units in the district PAR index of 2022.
with

scores as (
    select * from {{ ref('fct_governance_index_scores') }}
),

figure_definitions (figure_id, index_code, index_year, admin_unit_id, measure) as (
    values
    ('I1', 'PAR_INDEX', 2023, '01', 'score'),
    ('I2', 'PAR_INDEX', 2023, '01', 'rank'),
    ('I3', 'PAR_INDEX', 2024, '01', 'score'),
    ('I4', 'PAR_INDEX', 2024, '01', 'rank'),
    ('I5', 'SIPAS', 2023, '01', 'score'),
    ('I6', 'SIPAS', 2023, '01', 'rank'),
    ('I7', 'SIPAS', 2022, '01', 'score'),
    ('I8', 'SIPAS', 2022, '01', 'rank'),
    ('I9', 'SIPAS', 2024, '01', 'score'),
    ('I10', 'SIPAS', 2024, '01', 'rank'),
    ('I11', 'PAPI', 2023, '01', 'score'),
    ('I12', 'PAPI', 2023, '01', 'rank'),
    ('I13', 'PAPI', 2022, '01', 'score'),
    ('I14', 'PAPI', 2024, '01', 'score'),
    ('I15', 'PAPI', 2024, '01', 'rank'),
    ('I16', 'PCI', 2023, '01', 'score'),
    ('I17', 'PCI', 2023, '01', 'rank'),
    ('I18', 'PCI', 2024, '01', 'score'),
    ('I19', 'PCI', 2024, '01', 'rank'),
    ('I20', 'DISTRICT_PAR_INDEX', 2022, '01-002', 'rank'),
    ('I21', 'DISTRICT_PAR_INDEX', 2023, '01-006', 'score'),
    ('I22', 'DISTRICT_PAR_INDEX', 2023, '01-006', 'rank'),
    ('I23', 'DISTRICT_PAR_INDEX', 2023, '01-019', 'score'),
    ('I24', 'DISTRICT_PAR_INDEX', 2023, '01-002', 'score'),
    ('I25', 'DISTRICT_PAR_INDEX', 2023, '01-005', 'score'),
    ('I26', 'DISTRICT_PAR_INDEX', 2023, '01-280', 'score'),
    ('I27', 'DISTRICT_PAR_INDEX', 2023, '01-280', 'rank')
),

unit_figures as (
    select
        figure_definitions.figure_id,
        case figure_definitions.measure
            when 'score' then scores.score::double
            when 'rank' then scores.rank::double
        end as warehouse_value
    from figure_definitions
    inner join scores
        on
            figure_definitions.index_code = scores.index_code
            and figure_definitions.index_year = scores.index_year
            and figure_definitions.admin_unit_id = scores.admin_unit_id
),

district_mean_2022 as (
    select
        'I28' as figure_id,
        -- exact decimal sum, then one division (a double running mean drifts).
        sum(score)::double / count(score) as warehouse_value
    from scores
    where
        index_code = 'DISTRICT_PAR_INDEX'
        and index_year = 2022
        and scope = 'district'
),

final as (
    select * from unit_figures
    union all
    select * from district_mean_2022
)

select * from final
