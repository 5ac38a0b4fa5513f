{#- The rates of Decision 766/QĐ-TTg from a period's counts, null unless the period is
    complete: on-time and late rates over dossiers to process (finished + in progress at
    period end), average resolution days, and the same-day, online, online-payment and
    digitised shares. One definition for fct_procedure_throughputs and its restated twin;
    call it as the last columns of a select whose row has the counts and is_complete. -#}
{% macro procedure_throughput_rates() %}
        case
            when is_complete
                then
                    100.0 * (finished_on_time_count + in_progress_on_time_count)
                    / nullif(to_process_count, 0)
        end as on_time_rate_pct,
        case
            when is_complete
                then
                    100.0 * (finished_late_count + in_progress_late_count)
                    / nullif(to_process_count, 0)
        end as late_rate_pct,
        case
            when is_complete then resolution_days_sum / nullif(finished_count, 0)
        end as avg_resolution_days,
        case
            when is_complete then 100.0 * same_day_count / nullif(received_count, 0)
        end as same_day_share_pct,
        case
            when is_complete then 100.0 * online_count / nullif(received_count, 0)
        end as online_share_pct,
        case
            when is_complete then 100.0 * paid_online_count / nullif(fee_bearing_count, 0)
        end as online_payment_share_pct,
        case
            when is_complete then 100.0 * digitised_count / nullif(received_count, 0)
        end as digitised_share_pct
{%- endmacro %}
