//! The one diesel schema shared by both backends: only portable SQL types
//! (UUIDs and JSON as `Text`, naive-UTC `Timestamp`).

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        email -> Text,
        full_name -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        is_active -> Bool,
        last_login -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        company_name -> Text,
        name_key -> Text,
        industry -> Nullable<Text>,
        industry_key -> Nullable<Text>,
        website -> Nullable<Text>,
        annual_revenue -> Nullable<BigInt>,
        employee_count -> Nullable<BigInt>,
        country -> Nullable<Text>,
        contact_person -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        metadata -> Text,
        search_key -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        client_id -> Text,
        name -> Text,
        name_key -> Text,
        campaign_type -> Text,
        status -> Text,
        domain -> Nullable<Text>,
        keywords -> Text,
        start_date -> Nullable<Date>,
        end_date -> Nullable<Date>,
        budget -> Nullable<Double>,
        objectives -> Text,
        config -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tasks (id) {
        id -> Text,
        agent_id -> Text,
        task_type -> Text,
        input -> Text,
        priority -> Integer,
        status -> Text,
        output -> Nullable<Text>,
        error -> Nullable<Text>,
        progress -> Integer,
        campaign_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        attempts -> Integer,
        max_attempts -> Integer,
        timeout_seconds -> Integer,
        lease_owner -> Nullable<Text>,
        lease_expires_at -> Nullable<Timestamp>,
        run_after -> Timestamp,
        duration_ms -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        workflow_run_id -> Nullable<Text>,
        workflow_step -> Nullable<Text>,
    }
}

diesel::table! {
    workflow_runs (id) {
        id -> Text,
        workflow_id -> Text,
        status -> Text,
        input -> Text,
        steps -> Text,
        client_id -> Nullable<Text>,
        campaign_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    datasets (id) {
        id -> Text,
        client_id -> Text,
        campaign_id -> Nullable<Text>,
        kind -> Text,
        source -> Text,
        file_name -> Text,
        sha256 -> Text,
        period_from -> Nullable<Text>,
        period_to -> Nullable<Text>,
        rows_accepted -> BigInt,
        rows_rejected -> BigInt,
        errors -> Text,
        summary -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    table_versions (name, slot) {
        name -> Text,
        slot -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    audits (id) {
        id -> Text,
        task_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        campaign_id -> Nullable<Text>,
        summary -> Text,
        snapshot -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dataset_rows (dataset_id, n) {
        dataset_id -> Text,
        n -> BigInt,
        dimension -> Text,
        period -> Text,
        row_key -> Text,
        data -> Text,
    }
}

diesel::table! {
    leads (id) {
        id -> Text,
        company_name -> Text,
        contact_name -> Nullable<Text>,
        contact_role -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        website -> Nullable<Text>,
        industry -> Nullable<Text>,
        company_size -> Nullable<Text>,
        budget_range -> Nullable<Text>,
        timeline -> Nullable<Text>,
        pain_points -> Text,
        goals -> Text,
        source -> Nullable<Text>,
        notes -> Nullable<Text>,
        owner_id -> Nullable<Text>,
        stage -> Text,
        lost_reason -> Nullable<Text>,
        score -> Nullable<Double>,
        classification -> Nullable<Text>,
        client_id -> Nullable<Text>,
        search_key -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    lead_stage_changes (id) {
        id -> Text,
        lead_id -> Text,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        reason -> Nullable<Text>,
        user_id -> Nullable<Text>,
        username -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposals (id) {
        id -> Text,
        lead_id -> Nullable<Text>,
        client_id -> Nullable<Text>,
        company_name -> Text,
        status -> Text,
        version -> Integer,
        annual_value -> Double,
        required_approvals -> Text,
        approvals -> Text,
        content -> Text,
        task_id -> Nullable<Text>,
        workflow_run_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        expires_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    proposal_versions (proposal_id, version) {
        proposal_id -> Text,
        version -> Integer,
        annual_value -> Double,
        task_id -> Nullable<Text>,
        content -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    proposal_decisions (id) {
        id -> Text,
        proposal_id -> Text,
        version -> Integer,
        action -> Text,
        gate -> Nullable<Text>,
        comment -> Nullable<Text>,
        user_id -> Nullable<Text>,
        username -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    disavow_exclusions (client_id, entry) {
        client_id -> Text,
        entry -> Text,
        reason -> Nullable<Text>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(campaigns -> clients (client_id));

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}
diesel::allow_tables_to_appear_in_same_query!(
    users,
    clients,
    campaigns,
    tasks,
    app_settings,
    workflow_runs,
    datasets,
    dataset_rows,
    leads,
    lead_stage_changes,
    proposals,
    proposal_versions,
    proposal_decisions,
    disavow_exclusions,
    audits,
    table_versions
);
