# The linear study's tables and figures: theory grid, aggregation and one job per figure, per experiment;
# the cross-experiment summary and figures; the distance study (Appendix A).

if "linear" in STUDIES:
    from transferability.linear.study import FIGURE_TABLES, FIGURES

    LINEAR = STUDIES["linear"]
    EXP = LINEAR.experiments
    REPORT_CATEGORY = {
        "phase_linear_transfer": "Phase diagrams",
        "phase_fine_tune": "Phase diagrams",
        "slices": "Slices",
        "fine_tune_theta": "Slices",
        "scratch": "Baselines",
        "ridge": "Baselines",
        "phase_linear_transfer_tuned": "Baselines",
        "pretraining": "Diagnostics",
    }

    wildcard_constraints:
        exp="|".join(EXP),

    rule linear_theory:
        output:
            f"{RES}/{{exp}}/theory.csv",
        log:
            f"{RES}/{{exp}}/logs/theory.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            settings=lambda w: LINEAR.theory_settings(w.exp),
            code=script_version("theory.py"),
        script:
            "../scripts/theory.py"

    rule linear_aggregate:
        input:
            lambda w: LINEAR.restrict(w.exp).job_files(),
        output:
            runs=f"{RES}/{{exp}}/runs.csv",
            cell_means=f"{RES}/{{exp}}/cell_means.csv",
            agreement=report(
                f"{RES}/{{exp}}/agreement.csv",
                caption="../report/agreement.rst",
                category="Agreement",
                labels={"experiment": "{exp}", "table": "agreement"},
            ),
            pretraining=f"{RES}/{{exp}}/pretraining.csv",
            fine_tune_break_even=report(
                f"{RES}/{{exp}}/fine_tune_break_even.csv",
                caption="../report/break_even.rst",
                category="Agreement",
                labels={"experiment": "{exp}", "table": "fine-tuning break-even"},
            ),
            ridge_curve=f"{RES}/{{exp}}/ridge_curve.csv",
        log:
            f"{RES}/{{exp}}/logs/aggregate.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            study=lambda w: LINEAR.restrict(w.exp).record(),
            code=script_version("aggregate.py"),
        script:
            "../scripts/aggregate.py"

    rule linear_agreement_all:
        input:
            expand(f"{RES}/{{exp}}/agreement.csv", exp=list(EXP)),
        output:
            report(
                f"{RES}/agreement.csv",
                caption="../report/agreement.rst",
                category="Agreement",
            ),
        log:
            f"{RES}/logs/agreement_all.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            code=script_version("concat_csv.py"),
        script:
            "../scripts/concat_csv.py"

    for _fig in FIGURES:

        rule:
            name:
                f"linear_figure_{_fig}"
            input:
                **{t: f"{RES}/{{exp}}/{t}.csv" for t in FIGURE_TABLES[_fig]},
            output:
                **pdf_output(f"{RES}/{{exp}}/figures/{_fig}.pdf"),
                png=report(
                    f"{RES}/{{exp}}/figures/{_fig}.png",
                    caption=f"../report/{_fig}.rst",
                    category=REPORT_CATEGORY[_fig],
                    labels={"experiment": "{exp}", "figure": _fig},
                ),
            log:
                f"{RES}/{{exp}}/logs/figures/{_fig}.log",
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                figure=_fig,
                settings=lambda w: LINEAR.figure_settings(w.exp),
                code=script_version("linear_figure.py"),
            script:
                "../scripts/linear_figure.py"

    rule linear_figure_scratch_double_descent:
        input:
            cell_means=expand(f"{RES}/{{exp}}/cell_means.csv", exp=list(EXP)),
            theory=expand(f"{RES}/{{exp}}/theory.csv", exp=list(EXP)),
        output:
            **pdf_output(f"{RES}/figures/scratch_double_descent.pdf"),
            png=report(
                f"{RES}/figures/scratch_double_descent.png",
                caption="../report/scratch_double_descent.rst",
                category="Baselines",
            ),
        log:
            f"{RES}/logs/figures/scratch_double_descent.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            figure="scratch_double_descent",
            names=list(EXP),
            code=script_version("cross_figure.py"),
        script:
            "../scripts/cross_figure.py"

    rule linear_figure_overview:
        input:
            cell_means=expand(f"{RES}/{{exp}}/cell_means.csv", exp=list(EXP)),
            theory=expand(f"{RES}/{{exp}}/theory.csv", exp=list(EXP)),
        output:
            **pdf_output(f"{RES}/figures/overview.pdf"),
            png=report(
                f"{RES}/figures/overview.png",
                caption="../report/overview.rst",
                category="Phase diagrams",
            ),
        log:
            f"{RES}/logs/figures/overview.log",
        localrule: True
        conda:
            "../envs/transferability.yaml"
        params:
            figure="overview",
            names=list(EXP),
            code=script_version("cross_figure.py"),
        script:
            "../scripts/cross_figure.py"

    if LINEAR.distances:

        rule linear_distances:
            input:
                cell_means=f"{RES}/{LINEAR.distances['experiment']}/cell_means.csv",
                theory=f"{RES}/{LINEAR.distances['experiment']}/theory.csv",
            output:
                **pdf_output(f"{RES}/distances/T_vs_kl.pdf", "kl_pdf"),
                **pdf_output(f"{RES}/distances/T_vs_w1.pdf", "w1_pdf"),
                **pdf_output(f"{RES}/distances/fixed_pair.pdf", "pair_pdf"),
                table=report(
                    f"{RES}/distances/distances.csv",
                    caption="../report/distances.rst",
                    category="Distances",
                ),
                kl=report(
                    f"{RES}/distances/T_vs_kl.png",
                    caption="../report/distances_kl.rst",
                    category="Distances",
                ),
                w1=report(
                    f"{RES}/distances/T_vs_w1.png",
                    caption="../report/distances_w1.rst",
                    category="Distances",
                ),
                pair=report(
                    f"{RES}/distances/fixed_pair.png",
                    caption="../report/distances_pair.rst",
                    category="Distances",
                ),
            log:
                f"{RES}/logs/distances.log",
            localrule: True
            conda:
                "../envs/transferability.yaml"
            params:
                settings=LINEAR.distances,
                sigma=EXP[LINEAR.distances["experiment"]].sigma,
                seed=EXP[LINEAR.distances["experiment"]].seeds[0],
                code=script_version("distances.py"),
            script:
                "../scripts/distances.py"
