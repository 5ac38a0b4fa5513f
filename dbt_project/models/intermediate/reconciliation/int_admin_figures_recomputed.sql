-- Published figures of the admin domain recomputed from dim_admin_units: the units of a
-- level or type in force throughout the figure's period, in the city ('01') or under a
-- district ('01-002'). A1, A2 count over 2021..2024 (the communes before the 2025-01-01
-- mergers); A3..A6 from 2025-07-01 on (an open period: units still in force).
with

figures as (
    select * from {{ ref('stg_reference__published_figures') }}
    where domain = 'admin' and use in ('reproduce', 'bound')
),

units as (
    select * from {{ ref('dim_admin_units') }}
),

bounds as (
    select
        figure_id,
        indicator,
        admin_unit,
        split_part(period, '..', 1) as period_first,
        split_part(period, '..', 2) as period_last
    from figures
),

periods as (
    select
        figure_id,
        indicator,
        admin_unit,
        -- a year ('2021') or a day ('2025-07-01'); an empty end is an open period
        case
            when length(period_first) = 4 then make_date(period_first::integer, 1, 1)
            else period_first::date
        end as period_start,
        case
            when period_last = '' then date '9999-12-31'
            when length(period_last) = 4 then make_date(period_last::integer, 12, 31)
            else period_last::date
        end as period_end
    from bounds
),

matched as (
    select
        periods.figure_id,
        periods.indicator,
        units.admin_unit_id
    from periods
    left join units
        on
            periods.period_start >= units.valid_from
            and periods.period_end <= coalesce(units.valid_to, date '9999-12-31')
            and (
                periods.admin_unit = '01'
                or periods.admin_unit = units.district_admin_unit_id
            )
            and case periods.indicator
                when 'district_level_unit_count' then units.admin_level = 'district'
                when 'commune_level_unit_count' then units.admin_level = 'commune'
                when 'ward_count' then units.unit_type = 'phuong'
                when 'rural_commune_count' then units.unit_type = 'xa'
                else false
            end
),

final as (
    select
        figure_id,
        case
            when
                any_value(indicator) in (
                    'district_level_unit_count',
                    'commune_level_unit_count',
                    'ward_count',
                    'rural_commune_count'
                )
                then count(admin_unit_id)::double
        end as warehouse_value
    from matched
    group by figure_id
)

select * from final
