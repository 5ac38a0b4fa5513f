-- The five rows of a GRDP release: total GRDP and its four components
-- (the components sum to the total), in the order the statistics office prints them.
with

sectors as (
    select
        'TONG' as sector_code,
        'Tổng sản phẩm trên địa bàn (GRDP)' as sector_name_vi,
        'Gross regional domestic product (GRDP)' as sector_name_en,
        'total' as sector_slug,
        true as is_total,
        1 as sort_order
    union all
    select
        'NLTS' as sector_code,
        'Nông, lâm nghiệp và thủy sản' as sector_name_vi,
        'Agriculture, forestry and fishery' as sector_name_en,
        'agriculture_forestry_fishery' as sector_slug,
        false as is_total,
        2 as sort_order
    union all
    select
        'CNXD' as sector_code,
        'Công nghiệp và xây dựng' as sector_name_vi,
        'Industry and construction' as sector_name_en,
        'industry_construction' as sector_slug,
        false as is_total,
        3 as sort_order
    union all
    select
        'DV' as sector_code,
        'Dịch vụ' as sector_name_vi,
        'Services' as sector_name_en,
        'services' as sector_slug,
        false as is_total,
        4 as sort_order
    union all
    select
        'THUE' as sector_code,
        'Thuế sản phẩm trừ trợ cấp sản phẩm' as sector_name_vi,
        'Product taxes less subsidies on products' as sector_name_en,
        'product_taxes_less_subsidies' as sector_slug,
        false as is_total,
        5 as sort_order
),

final as (
    select
        sector_code,
        sector_name_vi,
        sector_name_en,
        sector_slug,
        is_total,
        sort_order::integer as sort_order
    from sectors
)

select * from final
