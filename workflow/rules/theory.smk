# Closed-form theory on a fine (theta, gamma) grid, per experiment.


rule theory:
    output:
        f"{RES}/{{exp}}/theory.csv",
    params:
        d=lambda w: EXP[w.exp].d,
        sigma=lambda w: EXP[w.exp].sigma,
        theta_max_deg=lambda w: max(90.0, max(EXP[w.exp].thetas_deg)),
        gamma_max=lambda w: max(2.0, max(EXP[w.exp].gammas)),
        source_gamma=lambda w: EXP[w.exp].source_gamma,
        source_sigma=lambda w: EXP[w.exp].source_sigma,
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/{{exp}}/logs/theory.log",
    localrule: True
    script:
        "../scripts/theory.py"
