# A service manifest in NixMox's own shape (devnullvoid/nixmox, nixos/service-manifest.nix, as it
# stands in late 2025), written for Flotilla's tests with every key that format has: network with
# domain, ssh_keys and outposts; per service vmid, resources, onboot, start, version; both proxy
# forms (one entry, several named entries with their own auth and extra_config); db and dbs with
# additionaldbs; oidc and forward_auth; a core service that authenticates with authentik; a
# disabled service; deployment_phases; the global health, retry and rollback settings.
# Addresses and keys are made up.
{
  network = {
    domain = "fleet.lan";
    dns_server = "10.20.0.13";
    gateway = "10.20.0.1";
    network_cidr = "10.20.0.0/24";
    vlan_tag = 20;
    ssh_keys = {
      nixmox = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotillaTestKeyNotARealKey0000000000000 ops@laptop" ];
      root = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFlotillaTestKeyNotARealKey0000000000000 ops@laptop" ];
    };
    outposts = {
      ldap = { base_dn = "dc=fleet,dc=lan"; };
      radius = { shared_secret = "not-a-secret"; client_networks = [ "10.20.0.0/24" ]; };
    };
  };

  core_services = {
    dns = {
      enable = true;
      ip = "10.20.0.13";
      hostname = "dns.fleet.lan";
      vmid = 904;
      resources = { cores = 2; memory = 2048; disk_gb = 16; };
      onboot = true;
      start = true;
      interface.health = {
        startup = "systemctl is-active --quiet unbound";
        liveness = "systemctl is-active --quiet unbound";
        interval = 30;
        timeout = 60;
        retries = 3;
      };
    };

    postgresql = {
      enable = true;
      ip = "10.20.0.11";
      hostname = "postgresql.fleet.lan";
      vmid = 902;
      version = "1.0";
      resources = { cores = 4; memory = 4096; disk_gb = 64; };
      onboot = true;
      start = true;
      ports = [ 5432 5050 ];
      interface = {
        # pgAdmin logs in with authentik: configured after authentik, deployed before it.
        auth = {
          type = "oidc";
          provider = "authentik";
          oidc = {
            client_id = "pgadmin-oidc";
            client_type = "confidential";
            redirect_uris = [ "https://pgadmin.fleet.lan/oauth2/authorize" ];
            scopes = [ "openid" "email" "profile" ];
            username_claim = "preferred_username";
            groups_claim = "groups";
          };
        };
        proxy = { domain = "pgadmin.fleet.lan"; path = "/"; upstream = "10.20.0.11:5050"; };
        health = {
          startup = "systemctl is-active --quiet postgresql";
          liveness = "systemctl is-active --quiet postgresql && systemctl is-active --quiet pgadmin";
        };
      };
    };

    caddy = {
      enable = true;
      ip = "10.20.0.10";
      hostname = "caddy.fleet.lan";
      vmid = 901;
      version = "1.0";
      resources = { cores = 2; memory = 2048; disk_gb = 16; };
      onboot = true;
      start = true;
      interface.health = {
        startup = "systemctl is-active --quiet caddy";
        liveness = "systemctl is-active --quiet caddy";
        interval = 30;
        timeout = 60;
        retries = 3;
      };
    };

    authentik = {
      enable = true;
      ip = "10.20.0.12";
      hostname = "authentik.fleet.lan";
      vmid = 903;
      version = "1.0";
      resources = { cores = 2; memory = 2048; disk_gb = 16; };
      onboot = true;
      start = true;
      interface = {
        # Its database lives on postgresql, named by address.
        db = { host = "10.20.0.11"; name = "authentik"; owner = "authentik"; port = 5432; };
        # Earlier NixMox manifests: authentik authenticates its own admin interface.
        auth = {
          type = "oidc";
          provider = "authentik";
          oidc = { redirect_uris = [ "https://auth.fleet.lan/" ]; scopes = [ "openid" ]; username_claim = "preferred_username"; groups_claim = "groups"; };
        };
        proxy = { domain = "auth.fleet.lan"; path = "/"; upstream = "10.20.0.12:9000"; };
        health = {
          startup = "systemctl is-active --quiet authentik";
          liveness = "systemctl is-active --quiet authentik";
          readiness = "curl -f -s http://localhost:9000/-/health/ready/";
          interval = 30;
          timeout = 60;
          retries = 3;
        };
      };
    };
  };

  services = {
    vaultwarden = {
      enable = true;
      ip = "10.20.0.14";
      hostname = "vaultwarden.fleet.lan";
      vmid = 905;
      version = "1.0";
      resources = { cores = 2; memory = 2048; disk_gb = 16; };
      onboot = true;
      start = true;
      depends_on = [ "postgresql" "caddy" ];
      ports = [ 8080 ];
      interface = {
        db = { host = "postgresql.fleet.lan"; name = "vaultwarden"; owner = "vaultwarden"; port = 5432; mode = "terraform"; };
        auth = {
          type = "oidc";
          provider = "authentik";
          oidc = {
            client_type = "confidential";
            redirect_uris = [ "https://vault.fleet.lan/identity/connect/oidc-signin" ];
            scopes = [ "openid" "email" "profile" ];
            username_claim = "preferred_username";
            groups_claim = "groups";
          };
        };
        proxy = { domain = "vault.fleet.lan"; path = "/"; upstream = "10.20.0.14:8080"; };
        terraform = {
          modules = [ "./terraform/vaultwarden" ];
          targets = [ "authentik_application.vaultwarden" "authentik_provider_oauth2.vaultwarden" ];
          apply_order = [ "authentik_provider_oauth2.vaultwarden" "authentik_application.vaultwarden" ];
          variables = { domain = "vault.fleet.lan"; oidc_client_id = "vaultwarden-oidc"; oidc_scopes = [ "openid" "email" ]; };
        };
        health = {
          startup = "systemctl is-active --quiet vaultwarden";
          liveness = "curl -f -s http://localhost:8080/alive";
          interval = 30;
          timeout = 60;
          retries = 3;
        };
      };
    };

    monitoring = {
      enable = true;
      ip = "10.20.0.18";
      hostname = "monitoring.fleet.lan";
      vmid = 909;
      version = "1.0";
      resources = { cores = 2; memory = 2048; disk_gb = 16; };
      onboot = true;
      start = true;
      depends_on = [ "postgresql" "caddy" "authentik" ];
      ports = [ 9090 3000 9093 3100 ];
      interface = {
        db = { host = "10.20.0.11"; name = "monitoring"; owner = "monitoring"; port = 5432; };
        auth = {
          type = "oidc";
          provider = "authentik";
          oidc = { client_id = "monitoring-oidc"; client_type = "confidential"; redirect_uris = [ "https://grafana.fleet.lan/login/generic_oauth" ]; scopes = [ "openid" "email" "profile" ]; username_claim = "preferred_username"; groups_claim = "groups"; };
        };
        # Several named proxy entries, as NixMox's Caddy module reads them.
        proxy = {
          prometheus = { domain = "prometheus.fleet.lan"; path = "/"; upstream = "10.20.0.18:9090"; };
          grafana = { domain = "grafana.fleet.lan"; path = "/"; upstream = "10.20.0.18:3000"; };
          alertmanager = { domain = "alertmanager.fleet.lan"; path = "/"; upstream = "10.20.0.18:9093"; };
          loki = { domain = "loki.fleet.lan"; path = "/"; upstream = "10.20.0.18:3100"; };
        };
        health = {
          startup = "systemctl is-active --quiet prometheus && systemctl is-active --quiet grafana";
          liveness = "systemctl is-active --quiet prometheus && systemctl is-active --quiet grafana";
        };
      };
    };

    media = {
      enable = true;
      ip = "10.20.0.17";
      hostname = "media.fleet.lan";
      vmid = 908;
      version = "1.0";
      resources = { cores = 2; memory = 2048; disk_gb = 32; };
      onboot = true;
      start = true;
      depends_on = [ "caddy" "authentik" ];
      ports = [ 8096 8989 7878 9696 9091 ];
      interface = {
        # Several databases, each with log databases beside it.
        dbs = {
          sonarr = { host = "10.20.0.11"; name = "sonarr"; owner = "sonarr"; port = 5432; additionaldbs = [ "sonarr-log" ]; };
          radarr = { host = "10.20.0.11"; name = "radarr"; owner = "radarr"; port = 5432; additionaldbs = [ "radarr-log" ]; extensions = [ "pg_trgm" ]; };
        };
        proxy = {
          jellyfin = {
            domain = "jellyfin.fleet.lan";
            path = "/";
            upstream = "10.20.0.17:8096";
            auth = {
              type = "oidc";
              provider = "authentik";
              oidc = { client_type = "confidential"; redirect_uris = [ "https://jellyfin.fleet.lan/oidc/callback" ]; scopes = [ "openid" ]; username_claim = "preferred_username"; groups_claim = "groups"; };
            };
            extra_config = ''
              header {
                X-Content-Type-Options nosniff
              }
            '';
          };
          sonarr = {
            domain = "sonarr.fleet.lan";
            path = "/";
            upstream = "10.20.0.17:8989";
            auth = { type = "forward_auth"; provider = "authentik"; forward_auth_upstream = "10.20.0.12:9000"; };
          };
        };
        health = {
          startup = "systemctl is-active --quiet jellyfin && systemctl is-active --quiet sonarr";
          liveness = "systemctl is-active --quiet jellyfin && systemctl is-active --quiet sonarr";
        };
      };
    };

    mail = {
      enable = false;
      ip = "10.20.0.19";
      hostname = "mail.fleet.lan";
      vmid = 910;
      depends_on = [ "postgresql" "caddy" "authentik" ];
      ports = [ 25 587 ];
      interface.health = { startup = "systemctl is-active --quiet postfix"; };
    };
  };

  deployment_phases = {
    tf_infra = [ "postgresql" "dns" "caddy" "authentik" ];
    nix_core = [ "postgresql" "dns" "caddy" "authentik" ];
    tf_auth_core = [ "authentik" ];
    services = [ "vaultwarden" "monitoring" "media" "mail" ];
  };

  health_check_timeout = 600;
  retry_attempts = 5;
  retry_delay = 15;

  enable_rollback = true;
  enable_health_monitoring = true;
  enable_dependency_graphing = true;
  enable_deployment_logging = true;
}
