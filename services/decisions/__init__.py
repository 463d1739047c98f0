"""HR decisions on an application: deciding (`decide`), disputing a score (`flags`), score
policies with their suggestions, auto-rejections and overrides (`policy`) and what admins do with
them (`policy_admin`), and the cards and write-back bookkeeping that follow an action (`cards`)."""
