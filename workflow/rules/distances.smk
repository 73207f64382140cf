# Dataset distances (KL, Wasserstein-1, Dudley) against transferability, reusing one experiment's cells.


rule distances:
    input:
        means=lambda w: f"{RES}/{CFG['distances']['experiment']}/cell_means.csv",
    output:
        table=report(f"{RES}/distances/distances.csv", caption="../report/distances.rst", category="Distances"),
        kl=report(f"{RES}/distances/T_vs_kl.png", caption="../report/distances.rst", category="Distances"),
        w1=report(f"{RES}/distances/T_vs_w1.png", caption="../report/distances.rst", category="Distances"),
        pair=report(f"{RES}/distances/fixed_pair.png", caption="../report/distances.rst", category="Distances"),
    params:
        settings=lambda w: CFG["distances"],
        sigma=lambda w: EXP[CFG["distances"]["experiment"]].sigma,
        seed=lambda w: EXP[CFG["distances"]["experiment"]].seeds[0],
    conda:
        "../envs/transferability.yaml"
    log:
        f"{RES}/logs/distances.log",
    localrule: True
    script:
        "../scripts/distances.py"
