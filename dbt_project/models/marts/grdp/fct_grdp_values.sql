-- Every GRDP level of every release (vintage): the cumulative periods as published
-- (Q1, 6 months, 9 months, year) and the discrete quarters Q2..Q4 derived within the
-- same release (6M - Q1, 9M - 6M, 12M - 9M), at current and constant 2010 prices.
with

release_values as (
    select * from {{ ref('stg_grdp__release_values') }}
),

cumulative_values as (
    select
        release_id,
        price_basis,
        period_year,
        cumulative_period_code as period_code,
        case cumulative_period_code
            when 'Q1' then 3
            when '6M' then 6
            when '9M' then 9
            when '12M' then 12
        end as end_month,
        sector_code,
        value_bn_vnd,
        published_growth_yoy_pct,
        _load_id
    from release_values
),

with_previous_cumulative as (
    select
        *,
        lag(end_month) over (
            partition by release_id, price_basis, period_year, sector_code
            order by end_month
        ) as previous_end_month,
        lag(value_bn_vnd) over (
            partition by release_id, price_basis, period_year, sector_code
            order by end_month
        ) as previous_value_bn_vnd
    from cumulative_values
),

discrete_quarters as (
    select
        release_id,
        price_basis,
        period_year,
        'Q' || (end_month // 3) as period_code,
        end_month,
        sector_code,
        (value_bn_vnd - previous_value_bn_vnd)::decimal(24, 6) as value_bn_vnd,
        null::decimal(9, 2) as published_growth_yoy_pct,
        _load_id,
        false as is_cumulative
    from with_previous_cumulative
    where previous_end_month = end_month - 3
),

unioned as (
    select
        release_id,
        price_basis,
        period_year,
        period_code,
        end_month,
        sector_code,
        value_bn_vnd,
        published_growth_yoy_pct,
        _load_id,
        true as is_cumulative
    from cumulative_values
    union all
    select
        release_id,
        price_basis,
        period_year,
        period_code,
        end_month,
        sector_code,
        value_bn_vnd,
        published_growth_yoy_pct,
        _load_id,
        is_cumulative
    from discrete_quarters
),

with_period_id as (
    select
        *,
        case period_code
            when 'Q1' then period_year || '-Q1'
            when '6M' then period_year || '-H1'
            when '9M' then period_year || '-YTD09'
            when '12M' then period_year::varchar
            else period_year || '-' || period_code
        end as period_id
    from unioned
),

ranked as (
    select
        *,
        row_number() over (
            partition by price_basis, period_id, sector_code
            order by release_id
        ) = 1 as is_first_published,
        row_number() over (
            partition by price_basis, period_id, sector_code
            order by release_id desc
        ) = 1 as is_latest
    from with_period_id
),

final as (
    select
        release_id || '|' || price_basis || '|' || period_id || '|' || sector_code
            as grdp_value_id,
        release_id,
        price_basis,
        '01' as admin_unit_id,
        period_year,
        period_id,
        period_code,
        is_cumulative,
        sector_code,
        value_bn_vnd,
        published_growth_yoy_pct,
        is_first_published,
        is_latest,
        _load_id
    from ranked
)

select * from final
