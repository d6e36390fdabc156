  // The platform's storage frame for LTI client-side postMessage storage
  // (cfg.target is the lti_storage_target the platform sent at login).
  function platformFrame() {
    try {
      if (cfg.target === "_parent") return window.parent;
      if (cfg.target === "_top") return window.top;
      var host = window.opener || window.parent;
      return host.frames[cfg.target] || host;
    } catch (e) { return window.parent; }
  }
