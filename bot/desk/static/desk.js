// The desk's few lines of script: Teams sign-in (getAuthToken), the theme Teams tells, the
// token and language on every htmx request, and the Chart.js charts of the trends view.
(function () {
  'use strict';
  const body = document.body;
  const state = { token: null, lang: null, charts: [], teams: null };

  function applyTheme(theme) {
    const known = ['default', 'dark', 'contrast'];
    document.documentElement.dataset.theme = known.includes(theme) ? theme : 'default';
    drawCharts(document);
  }

  function message(text) {
    const main = document.getElementById('main');
    main.textContent = '';
    const p = document.createElement('p');
    p.className = 'notice';
    p.setAttribute('role', 'alert');
    p.textContent = text;
    main.appendChild(p);
  }

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise((_, reject) =>
      setTimeout(() => reject(new Error('timed out')), ms))]);
  }

  async function fromTeams() {
    const teams = window.microsoftTeams;
    await withTimeout(teams.app.initialize(), 5000);
    const context = await teams.app.getContext();
    applyTheme(context.app && context.app.theme);
    state.lang = (context.app && context.app.locale) || null;
    teams.app.registerOnThemeChangeHandler(applyTheme);
    const token = await teams.authentication.getAuthToken();
    state.teams = teams;
    teams.app.notifySuccess();
    return token;
  }

  function devToken() {
    // Development only: `make run` prints /desk/#dev=<token> (the fragment never reaches a
    // server or a log); the server accepts such a token only in development.
    if (body.dataset.dev !== '1') return null;
    const found = /[#&]dev=([^&]+)/.exec(location.hash);
    if (found) sessionStorage.setItem('rake-dev-token', found[1]);
    return sessionStorage.getItem('rake-dev-token');
  }

  const palette = () => {
    const style = getComputedStyle(document.documentElement);
    const read = (name) => style.getPropertyValue(name).trim();
    return {
      colours: [1, 2, 3, 4, 5, 6, 7, 8].map((n) => read(`--chart-${n}`)),
      fg: read('--fg'), grid: read('--grid'),
    };
  };

  function drawCharts(root) {
    if (!window.Chart) return;
    state.charts = state.charts.filter((chart) => {
      if (document.body.contains(chart.canvas)) return true;
      chart.destroy();
      return false;
    });
    const { colours, fg, grid } = palette();
    (root.querySelectorAll ? root : document).querySelectorAll('canvas[data-chart]').forEach((canvas) => {
      const spec = JSON.parse(canvas.dataset.chart);
      const existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      const data = spec.data;
      const datasets = spec.type === 'line'
        ? data.years.map(([name, values], i) => ({
          label: name, data: values, borderColor: colours[i], backgroundColor: colours[i],
          borderDash: i ? [6, 4] : [], tension: 0.25, spanGaps: false, pointRadius: 3,
        }))
        : data.series.map(([name, values], i) => ({
          label: name, data: values, backgroundColor: colours[i % colours.length],
          borderColor: colours[i % colours.length], stack: 'all',
        }));
      const scales = {
        x: { stacked: spec.type === 'bar', ticks: { color: fg }, grid: { color: grid },
          title: { display: true, text: spec.unit, color: fg } },
        y: { stacked: spec.type === 'bar', beginAtZero: true, ticks: { color: fg, precision: 0 },
          grid: { color: grid } },
      };
      const chart = new window.Chart(canvas, {
        type: spec.type,
        data: { labels: data.labels, datasets },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          plugins: { legend: { labels: { color: fg, boxWidth: 12 } } }, scales,
        },
      });
      state.charts.push(chart);
    });
  }

  function wire() {
    body.addEventListener('htmx:configRequest', (event) => {
      if (state.token) event.detail.headers.Authorization = `Bearer ${state.token}`;
      if (state.lang) event.detail.headers['X-Desk-Lang'] = state.lang;
    });
    body.addEventListener('htmx:afterSettle', (event) => drawCharts(event.detail.elt || document));
    body.addEventListener('htmx:sendError', () => message(body.dataset.msgError));
    body.addEventListener('htmx:afterSwap', (event) => {
      if (event.detail.target && event.detail.target.id === 'main') {
        event.detail.target.focus({ preventScroll: true });
        const view = event.detail.pathInfo ? event.detail.pathInfo.requestPath : '';
        body.dataset.view = view;
        document.querySelectorAll('.bar nav a').forEach((link) => {
          const current = view.startsWith(link.getAttribute('hx-get'));
          if (current) link.setAttribute('aria-current', 'page');
          else link.removeAttribute('aria-current');
        });
      }
    });
  }

  async function start() {
    const params = new URLSearchParams(location.search);
    if (params.get('theme')) applyTheme(params.get('theme'));
    wire();
    let token = null;
    const framed = window.parent !== window;
    if (!framed) token = devToken();
    if (!token && window.microsoftTeams) {
      try {
        token = await fromTeams();
      } catch (error) {
        token = null;
      }
    }
    if (!token) {
      message(framed ? body.dataset.msgSignin : body.dataset.msgOutside);
      body.dataset.ready = 'no-token';
      return;
    }
    state.token = token;
    body.dataset.ready = 'yes';
    if (state.teams) {
      // Teams keeps the token fresh (it lasts about an hour): ask again now and then, so a tab
      // left open all afternoon still signs its requests
      setInterval(() => {
        state.teams.authentication.getAuthToken().then((fresh) => { state.token = fresh; }, () => {});
      }, 5 * 60 * 1000);
    }
    window.htmx.ajax('GET', body.dataset.src, { target: '#main', swap: 'innerHTML' });
  }

  start();
}());
