-- Budget categories (outline lines of form 93/CK-NSNN) found in the reports: one row
-- per line_path. Labels and codes come from the latest report that carries the line,
-- with the code under each budget index (Circular 324/2016 to 2025, 130/2025 from 2026)
-- kept apart; is_leaf is true when no report has a line below it.
with

lines as (
    select * from {{ ref('stg_budget__lines') }}
),

ranked_lines as (
    select
        line_path,
        outline_code,
        outline_level,
        item_name,
        budget_code,
        budget_index,
        budget_year * 100 + replace(report_period, 'T', '')::integer as report_rank
    from lines
),

paths as (
    select
        line_path,
        arg_max(outline_code, report_rank) as outline_code,
        arg_max(outline_level, report_rank) as outline_level,
        arg_max(item_name, report_rank) as item_name,
        arg_max(budget_code, report_rank) filter (where budget_code is not null) as budget_code,
        arg_max(budget_index, report_rank) as budget_index,
        arg_max(budget_code, report_rank) filter (
            where budget_code is not null and budget_index = '324/2016/TT-BTC'
        ) as budget_code_tt324,
        arg_max(budget_code, report_rank) filter (
            where budget_code is not null and budget_index = '130/2025/TT-BTC'
        ) as budget_code_tt130
    from ranked_lines
    group by line_path
),

with_parents as (
    select
        line_path,
        outline_code,
        outline_level,
        item_name,
        budget_code,
        budget_index,
        budget_code_tt324,
        budget_code_tt130,
        split_part(line_path, '/', 1) as section_code,
        case
            when outline_level > 0
                then split_part(line_path, '/', 1) || '/' || split_part(line_path, '/', 2)
        end as group_line_path,
        case
            when strpos(line_path, '/') > 0
                then left(line_path, length(line_path) - length(outline_code) - 1)
        end as parent_line_path
    from paths
),

child_counts as (
    select
        parent_line_path as line_path,
        count(*) as child_count
    from with_parents
    where parent_line_path is not null
    group by parent_line_path
),

group_lines as (
    select
        line_path as group_line_path,
        lower(item_name) as group_name
    from paths
    where outline_level = 1
),

with_groups as (
    select
        with_parents.line_path,
        with_parents.outline_code,
        with_parents.outline_level,
        with_parents.item_name,
        with_parents.budget_code,
        with_parents.budget_index,
        with_parents.budget_code_tt324,
        with_parents.budget_code_tt130,
        with_parents.section_code,
        with_parents.group_line_path,
        with_parents.parent_line_path,
        group_lines.group_name,
        coalesce(child_counts.child_count, 0) as child_count
    from with_parents
    left join child_counts
        on with_parents.line_path = child_counts.line_path
    left join group_lines
        on with_parents.group_line_path = group_lines.group_line_path
),

classified as (
    select
        *,
        case section_code
            when 'A' then 'revenue'
            when 'B' then 'expenditure'
            else 'other'
        end as category_group,
        case
            when group_line_path is null then null
            when section_code = 'A' and group_name like '%nội địa%' then 'domestic'
            when section_code = 'A' and group_name like '%dầu thô%' then 'crude_oil'
            when section_code = 'A' and group_name like '%xuất%khẩu%' then 'import_export'
            when section_code = 'A' and group_name like '%thu khác%' then 'other'
            when section_code = 'A' and group_name like '%viện trợ%' then 'aid'
            when section_code = 'B' and group_name like '%đầu tư phát triển%'
                then 'development_investment'
            when section_code = 'B' and group_name like '%thường xuyên%' then 'recurrent'
            when section_code = 'B' and group_name like '%lãi%' then 'interest'
            when section_code = 'B' and group_name like '%dự phòng%' then 'reserve'
            else 'other'
        end as category_subgroup
    from with_groups
),

final as (
    select
        line_path as budget_category_id,
        line_path,
        outline_code,
        outline_level,
        parent_line_path as parent_budget_category_id,
        item_name,
        budget_code,
        budget_index,
        budget_code_tt324,
        budget_code_tt130,
        case length(budget_code)
            when 4 then 'muc'
            when 3 then 'loai'
        end as budget_code_type,
        section_code,
        category_group,
        category_subgroup,
        child_count = 0 as is_leaf
    from classified
)

select * from final
