# Figures per experiment, and the double-descent comparison across experiments.


rule figures:
    input:
        runs=f"{RES}/{{exp}}/runs.csv",
        means=f"{RES}/{{exp}}/cell_means.csv",
        pretraining=f"{RES}/{{exp}}/pretraining.csv",
        theory=f"{RES}/{{exp}}/theory.csv",
    output:
        **{
            fig: report(
                f"{RES}/{{exp}}/figures/{fig}.png",
                caption=f"../report/{fig}.rst",
                category=cat,
                labels={"experiment": "{exp}", "figure": fig},
            )
            for fig, cat in [
                ("phase_linear_transfer", "Phase diagrams"),
                ("phase_fine_tune", "Phase diagrams"),
                ("slices", "Slices"),
                ("scratch", "Baselines"),
                ("ridge", "Baselines"),
                ("pretraining", "Diagnostics"),
                ("phase_linear_transfer_tuned", "Baselines"),
                ("fine_tune_theta", "Slices"),
            ]
        },
    params:
        name=lambda w: w.exp,
        slices_deg=lambda w: list(EXP[w.exp].slices_deg),
        phase_lambda=lambda w: EXP[w.exp].phase_lambda,
        ridge_theta_deg=lambda w: EXP[w.exp].ridge_figure_theta_deg,
        ridge_gamma=lambda w: EXP[w.exp].ridge_figure_gamma,
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/figures.log",
    localrule: True
    script:
        "../scripts/figures.py"


rule double_descent:
    input:
        means=expand(f"{RES}/{{exp}}/cell_means.csv", exp=list(EXP)),
        theory=expand(f"{RES}/{{exp}}/theory.csv", exp=list(EXP)),
    output:
        report(
            f"{RES}/figures/scratch_double_descent.png",
            caption="../report/scratch_double_descent.rst",
            category="Baselines",
        ),
    params:
        names=list(EXP),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/logs/double_descent.log",
    localrule: True
    script:
        "../scripts/double_descent.py"


rule overview:
    input:
        means=expand(f"{RES}/{{exp}}/cell_means.csv", exp=list(EXP)),
        theory=expand(f"{RES}/{{exp}}/theory.csv", exp=list(EXP)),
    output:
        report(
            f"{RES}/figures/overview.png",
            caption="../report/overview.rst",
            category="Phase diagrams",
        ),
    params:
        names=list(EXP),
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/logs/overview.log",
    localrule: True
    script:
        "../scripts/overview.py"
