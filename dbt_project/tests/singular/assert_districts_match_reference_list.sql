{{ config(meta={'dagster': {'ref': {'name': 'dim_admin_units'}}}) }}

-- The 30 district-level units of the dimension are exactly those of the reference
-- list (../shared/domain/hanoi_district_units_2014_2025.csv, copied as a seed):
-- same codes, names, types and validity.
with

dimension as (
    select
        gso_code as district_code,
        short_name_vi as name_vi,
        name_ascii,
        unit_type,
        valid_from,
        valid_to
    from {{ ref('dim_admin_units') }}
    where admin_level = 'district'
),

reference_list as (
    select
        district_code,
        name_vi,
        name_ascii,
        unit_type,
        valid_from,
        valid_to
    from {{ ref('ref_hanoi_district_units_2014_2025') }}
),

only_in_dimension as (
    select * from dimension
    except
    select * from reference_list
),

only_in_reference as (
    select * from reference_list
    except
    select * from dimension
),

final as (
    select
        'only in dim_admin_units' as problem,
        district_code,
        name_vi,
        name_ascii,
        unit_type,
        valid_from,
        valid_to
    from only_in_dimension
    union all
    select
        'only in reference list' as problem,
        district_code,
        name_vi,
        name_ascii,
        unit_type,
        valid_from,
        valid_to
    from only_in_reference
)

select * from final
