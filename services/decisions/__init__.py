"""HR decisions on an application: deciding (`decide`), disputing a score (`flags`), score
policies with their suggestions, auto-rejections, overrides and admin (`policy`), and the cards
and write-back bookkeeping that follow an action (`cards`)."""
