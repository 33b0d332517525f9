import * as grafana from '@pulumiverse/grafana';
import * as pulumi from '@pulumi/pulumi';

/** What `dashboards/` exports per dashboard (its `DashboardExport`). */
export interface DashboardModel {
  uid: string;
  title: string;
  /** Grafana folder title. */
  folder: string;
  /** Grafana's dashboard JSON model. */
  model: object;
}

export interface GrafanaDashboardsArgs {
  /** @example "prod" */
  stage: string;
  dashboards: readonly DashboardModel[];
}

/**
 * Provisions whatever `dashboards/` exports: one folder per folder title (suffixed with the
 * stage) and each dashboard's JSON model, its uid suffixed with the stage so staging and prod
 * can share one Grafana Cloud stack. The Grafana provider reads `grafana:url` and
 * `grafana:auth` (secret) from the stack config.
 */
export class GrafanaDashboards extends pulumi.ComponentResource {
  readonly uids: string[];

  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:grafana:Dashboards', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };

    const folders = createFolders();
    const dashboards = createDashboards();

    this.uids = dashboards.map((d) => d.uid);
    this.registerOutputs({ uids: this.uids });

    function createFolders() {
      const titles = [...new Set(args.dashboards.map((d) => d.folder))].sort();
      return new Map(
        titles.map((title) => [
          title,
          new grafana.oss.Folder(
            `${name}-folder-${slug(title)}`,
            { title: `${title} (${args.stage})`, uid: `${slug(title)}-${args.stage}` },
            child,
          ),
        ]),
      );
    }

    function createDashboards() {
      return args.dashboards.map((d) => {
        const uid = `${d.uid}-${args.stage}`.slice(0, 40);
        new grafana.oss.Dashboard(
          `${name}-${d.uid}`,
          {
            folder: folders.get(d.folder)!.uid,
            configJson: JSON.stringify({ ...d.model, uid, id: null }),
            overwrite: true,
          },
          child,
        );
        return { uid };
      });
    }
  }
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}
